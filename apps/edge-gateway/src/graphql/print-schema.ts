/** Writes the edge subgraph's SDL to apps/edge-gateway/schema/edge-gateway.graphql (checked by schema.test.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formattedEdgeSubgraphSdl } from './schema';

const out = join(import.meta.dirname, '..', '..', 'schema', 'edge-gateway.graphql');
writeFileSync(out, await formattedEdgeSubgraphSdl(out));
console.log(`wrote ${out}`);
