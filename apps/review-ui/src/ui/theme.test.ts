import { describe, expect, it } from 'vitest';
import { otherTheme, parseTheme, resolveTheme } from './theme';

describe('theme', () => {
  it.each([
    [null, false, 'dark'],
    [null, true, 'light'],
    ['dark', true, 'dark'],
    ['light', false, 'light'],
  ] as const)('stored %s, system prefers light %s → %s', (stored, light, want) => {
    expect(resolveTheme(stored, light)).toBe(want);
  });

  it('reads only values it wrote', () => {
    expect(parseTheme('light')).toBe('light');
    expect(parseTheme('dark')).toBe('dark');
    expect(parseTheme('blue')).toBeNull();
    expect(parseTheme(null)).toBeNull();
  });

  it('toggles', () => {
    expect(otherTheme('light')).toBe('dark');
    expect(otherTheme('dark')).toBe('light');
  });
});
