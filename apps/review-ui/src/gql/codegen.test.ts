/**
 * The committed operation types must be exactly what scripts/gen-types.ts makes from the committed SDL
 * (libs/schema/generated/cloud-graph.graphql) and the operations in src/**\/*.graphql. A schema change that
 * breaks an operation, or an operation edited without regenerating, fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OUTPUT_PATH, SDL_PATH, generate, readOperationFiles } from '../../scripts/gen-types';

describe('generated GraphQL types', () => {
  it('match the committed SDL and the operations (run `npm run codegen -w apps/review-ui` if not)', async () => {
    const sdl = readFileSync(SDL_PATH, 'utf8');
    const expected = await generate(sdl, readOperationFiles());
    expect(readFileSync(OUTPUT_PATH, 'utf8')).toBe(expected);
  });

  it('reject an operation the schema cannot answer', async () => {
    const sdl = readFileSync(SDL_PATH, 'utf8');
    await expect(
      generate(sdl, [{ path: 'bad.graphql', source: 'query Bad { detectors { noSuchField } }' }]),
    ).rejects.toThrow(/noSuchField/);
  });
});
