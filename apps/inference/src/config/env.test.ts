import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from './env';

describe('parseEnv', () => {
  it('applies the documented defaults', () => {
    const c = parseEnv({ IO_HOME: '/opt/intellioptics' });
    expect(c.modelsDir).toBe('/opt/intellioptics/models');
    expect(c.http).toMatchObject({ port: 8001, healthPort: 8081, host: '0.0.0.0' });
    expect(c.models).toEqual({ maxLoaded: 5, pinned: [], pollMs: 1000 });
    expect(c.vision.maxInputPixels).toBe(50_000_000);
    expect(c.logLevel).toBe('info');
    expect(c.preloadBuiltin).toEqual({ coco: false, ocr: false });
  });

  it.each([
    ['none', { coco: false, ocr: false }],
    ['coco', { coco: true, ocr: false }],
    ['ocr', { coco: false, ocr: true }],
    ['all', { coco: true, ocr: true }],
  ])('INFERENCE_PRELOAD_BUILTIN=%s → %j', (value, expected) => {
    expect(parseEnv({ INFERENCE_PRELOAD_BUILTIN: value }).preloadBuiltin).toEqual(expected);
  });

  it('refuses an unknown INFERENCE_PRELOAD_BUILTIN', () => {
    expect(() => parseEnv({ INFERENCE_PRELOAD_BUILTIN: 'yolo' })).toThrow(/INFERENCE_PRELOAD_BUILTIN/);
  });

  it('parses lists and numbers, and lists every invalid variable', () => {
    const c = parseEnv({
      INFERENCE_PINNED_DETECTORS: ' det_a, det_b ,',
      INFERENCE_MAX_LOADED_DETECTORS: '2',
    });
    expect(c.models.pinned).toEqual(['det_a', 'det_b']);
    expect(c.models.maxLoaded).toBe(2);
    let err: unknown;
    try {
      parseEnv({ INFERENCE_PORT: 'abc', INFERENCE_MAX_LOADED_DETECTORS: '0', LOG_LEVEL: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvError);
    const msg = (err as Error).message;
    for (const name of ['INFERENCE_PORT', 'INFERENCE_MAX_LOADED_DETECTORS', 'LOG_LEVEL'])
      expect(msg).toContain(name);
  });
});
