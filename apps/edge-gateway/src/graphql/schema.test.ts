import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { edgeSubgraphSdl, formattedEdgeSubgraphSdl } from './schema';

const PRINTED = join(import.meta.dirname, '..', '..', 'schema', 'edge-gateway.graphql');

describe('edge subgraph SDL', () => {
  it('matches the committed printout (run `npx tsx apps/edge-gateway/src/graphql/print-schema.ts` after a change)', async () => {
    expect(await formattedEdgeSubgraphSdl(PRINTED)).toBe(readFileSync(PRINTED, 'utf8'));
  });

  it('extends the cloud’s Detector entity by its key', () => {
    expect(edgeSubgraphSdl()).toMatch(/type Detector\s+@key\(fields: "id"/);
  });
});
