import { describe, expect, it } from 'vitest';
import { detectorReady, type CloudModel } from './detector-ready';

describe('detectorReady', () => {
  it.each([
    // cloud, installed model id, has a model, ready
    [{ kind: 'none' }, null, false, true],
    [{ kind: 'none' }, 'mv_1', true, true],
    [{ kind: 'model', modelId: 'mv_2' }, 'mv_2', true, true],
    [{ kind: 'model', modelId: 'mv_2' }, 'mv_1', true, false],
    [{ kind: 'model', modelId: 'mv_2' }, null, false, false],
    [{ kind: 'unknown' }, null, false, false],
    [{ kind: 'unknown' }, null, true, true],
  ] as [CloudModel, string | null, boolean, boolean][])(
    '%o installed=%s has=%s → %s',
    (cloud, id, has, ready) => {
      expect(detectorReady({ cloud, installedModelId: id, hasModel: has })).toBe(ready);
    },
  );
});
