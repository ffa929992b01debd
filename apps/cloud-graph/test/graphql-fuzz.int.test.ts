/**
 * Seeded fuzzing of the cloud's /graphql on the real server and PostgreSQL: documents built from the printed
 * schema (every root query and mutation, arguments of the wrong type, hostile strings, deep and aliased
 * selections, broken syntax) with every kind of token. No answer may be a 5xx, every error carries a code,
 * and the server keeps answering. `FUZZ_SEED` / `FUZZ_CASES` reproduce or widen a run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlAnswerFault, graphqlFuzzer, sendRaw } from './support/fuzz';
import { startCloudForTests, type TestCloud } from './support/test-cloud';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const CASES = Number(process.env.FUZZ_CASES ?? 1500);

let t: TestCloud;
let detectorId: string;

beforeAll(async () => {
  t = await startCloudForTests();
  detectorId = (await t.services.detectors.create({ name: 'gql-fuzz', query: 'Fuzz?' })).id;
});
afterAll(async () => {
  await t?.close();
});

describe('GraphQL fuzzing', () => {
  it(`answers ${CASES} generated operations (seed ${SEED}) with no 5xx and coded errors`, async () => {
    const sdl = await readFile(
      join(import.meta.dirname, '../../../libs/schema/generated/cloud-graph.graphql'),
      'utf8',
    );
    const docs = graphqlFuzzer(sdl, SEED, [detectorId, t.hubId, t.reviewerId]);
    const tokens = [t.tokens.reviewer, t.tokens.hub, undefined, 'io_garbage', t.tokens.admin];
    const failures: string[] = [];
    let answered = 0;
    for (let i = 0; i < CASES; i++) {
      const doc = docs.next();
      const token = tokens[i % tokens.length];
      const res = await sendRaw(t.url, {
        method: 'POST',
        path: '/graphql',
        token,
        type: 'application/json',
        body: Buffer.from(JSON.stringify({ query: doc })),
      });
      const fault = graphqlAnswerFault(doc, res);
      if (fault) failures.push(fault);
      if (process.env.FUZZ_DEBUG) console.log(res.status, res.text.slice(0, 160).replace(/\n/g, ' '));
      if (res.status === 200 && res.text.includes('"data":{')) answered++;
    }
    expect(failures.slice(0, 10)).toEqual([]);
    // The generator reaches resolvers, not only the validator: some operations are answered with data.
    expect(answered).toBeGreaterThan(CASES / 20);
    expect((await sendRaw(t.url, { method: 'GET', path: '/health/ready' })).status).toBe(200);
  });
});
