import { describe, expect, it } from 'vitest';
import {
  PACKAGE_FILES,
  modelKindDir,
  modelVersionDir,
  modelVersionsFromNames,
  modelsRootOf,
  nextModelVersion,
} from './model-store';

describe('the model store layout', () => {
  it.each([
    ['/opt/io', '/opt/io/models'],
    ['/opt/io/', '/opt/io/models'],
    ['.io-home', '.io-home/models'],
  ])('models root of %s is %s', (home, root) => {
    expect(modelsRootOf(home)).toBe(root);
  });

  it('places kinds and versions under the detector', () => {
    expect(modelKindDir('/opt/io/models', 'det_a', 'primary')).toBe('/opt/io/models/det_a/primary');
    expect(modelVersionDir('/opt/io/models/', 'det_a', 'oodd', 3)).toBe('/opt/io/models/det_a/oodd/3');
  });

  it.each([
    [[], []],
    [
      ['1', '2', '10'],
      [10, 2, 1],
    ],
    [['.3.123.tmp', '2', 'latest', '1a'], [2]],
  ])('versions of %j are %j', (names, versions) => {
    expect(modelVersionsFromNames(names)).toEqual(versions);
  });

  it.each([
    [[], 1],
    [[3, 1], 4],
  ])('after %j comes %s', (installed, next) => {
    expect(nextModelVersion(installed)).toBe(next);
  });

  it('names the four package files', () => {
    expect(Object.values(PACKAGE_FILES).sort()).toEqual([
      'model.buf',
      'model_id.txt',
      'pipeline_config.yaml',
      'predictor_metadata.json',
    ]);
  });
});
