import { useTheme } from './useTheme';

/** Switches between the light and dark theme (the choice is remembered in this browser). */
export function ThemeToggle() {
  const { theme, toggle } = useTheme();
  const next = theme === 'light' ? 'dark' : 'light';
  return (
    <button
      type="button"
      className="btn btn-ghost theme-toggle"
      onClick={toggle}
      aria-label={`Switch to the ${next} theme`}
      title={`Switch to the ${next} theme`}
      data-testid="theme-toggle"
      data-theme-now={theme}
    >
      <span aria-hidden="true">{theme === 'light' ? '☾' : '☀'}</span>
      <span className="wide-only">{next === 'light' ? 'Light' : 'Dark'}</span>
    </button>
  );
}
