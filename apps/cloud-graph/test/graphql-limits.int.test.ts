/**
 * GraphQL operations are bounded before any resolver runs (tokens, depth, aliases, fields), request bodies and
 * graphql-ws messages before authentication; the server answers 4xx / closes the socket and keeps serving.
 */
import { createYoga } from 'graphql-yoga';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_LIMITS, useOperationLimits, type OperationLimits } from '../src/graphql/limits';
import { schema } from '../src/graphql/schema';
import { WS_MAX_MESSAGE_BYTES } from '../src/graphql/ws';
import { gql, startCloudForTests, type TestCloud } from './support/test-cloud';

let t: TestCloud;
beforeAll(async () => {
  t = await startCloudForTests();
});
afterAll(async () => {
  await t?.close();
});

const FIELDS =
  'id name query groupName mode confidenceThreshold patienceTime status escalationType createdAt';

/** The limit refusals for `source` (an operation within the limits runs, and fails for want of a caller). */
async function refusals(source: string, limits: OperationLimits = OPERATION_LIMITS): Promise<string[]> {
  const yoga = createYoga({ schema, plugins: [useOperationLimits(limits)], logging: false });
  const res = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: source }),
  });
  const body = (await res.json()) as { errors?: { message: string }[] };
  return (body.errors ?? []).map((e) => e.message).filter((m) => m.includes('too large'));
}

/** A GraphQL-over-HTTP request asking for the spec's media type (4xx statuses for request errors). */
async function post(query: string) {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      'x-api-token': t.tokens.admin,
    },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as {
    data?: unknown;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  return { status: res.status, body };
}

describe('operation limits (rule)', () => {
  it('counts depth through fragments and exempts introspection-only operations', async () => {
    const q =
      'query { reviewQueue { edges { node { imageQuery { ...D } } } } } fragment D on ImageQuery { detector { id } }';
    expect(await refusals(q, { ...OPERATION_LIMITS, maxDepth: 6 })).toEqual([]);
    expect(await refusals(q, { ...OPERATION_LIMITS, maxDepth: 5 })).toEqual([
      'The operation is too large: 6 levels deep, at most 5.',
    ]);
    const introspection = '{ __schema { types { fields { type { ofType { name } } } } } }';
    expect(await refusals(introspection, { ...OPERATION_LIMITS, maxDepth: 2 })).toEqual([]);
  });

  it('counts aliases and fields, fragment spreads included each time', async () => {
    expect(
      await refusals(`{ ${Array.from({ length: 31 }, (_, i) => `a${i}: me { id }`).join(' ')} }`),
    ).toEqual(['The operation is too large: 31 aliases, at most 30.']);
    const spreads = Array.from({ length: 100 }, () => '...F').join(' ');
    expect(await refusals(`{ detectors { ${spreads} } } fragment F on Detector { ${FIELDS} }`)).toEqual([
      'The operation is too large: 1001 fields, at most 1000.',
    ]);
  });
});

describe('limits on the real server', () => {
  it('answers a too-wide operation with 400 BAD_REQUEST and runs nothing', async () => {
    const res = await post(
      `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: detectors { id }`).join(' ')} }`,
    );
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]).toMatchObject({
      message: 'The operation is too large: 40 aliases, at most 30.',
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  it('refuses more than the token limit at parse time', async () => {
    const res = await post(`{ me { ${'id '.repeat(OPERATION_LIMITS.maxTokens)} } }`);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(JSON.stringify(res.body.errors)).toMatch(/tokens/);
  });

  it('refuses a body over 1 MiB with 413 before reading it, unauthenticated', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { id } }', variables: { pad: 'x'.repeat(1024 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('closes a graphql-ws connection whose first message is too large, before auth', async () => {
    const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(WS_MAX_MESSAGE_BYTES) } }));
    expect(await closed).toBe(1009);
    expect((await gql(t.url)('{ me { name } }')).body.data.me.name).toBe('admin');
  });
});
