import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startCloudForTests, type TestCloud } from './support/test-cloud';
import { tinyJpeg } from './support/images';
import { subscribeWs } from './helpers/ws';

let t: TestCloud;
let q: ReturnType<typeof gql>;

beforeAll(async () => {
  t = await startCloudForTests({ envOverrides: { ESCALATION_LEASE_SECONDS: '1' } });
  q = gql(t.url);
});
afterAll(async () => {
  await t?.close();
});

async function newDetector(name: string, patienceTime = 300) {
  const res = await q(
    'mutation($n: String!, $p: Float) { createDetector(input: { name: $n, query: "Part present?", patienceTime: $p }) { ok error { code } detector { id name mode } } }',
    { n: name, p: patienceTime },
  );
  expect(res.body.data.createDetector.ok).toBe(true);
  return res.body.data.createDetector.detector as { id: string };
}

async function submit(detectorId: string) {
  const res = await fetch(`${t.url}/device-api/v1/image-queries?detector_id=${detectorId}`, {
    method: 'POST',
    headers: { 'x-api-token': t.tokens.hub, 'content-type': 'image/jpeg' },
    body: new Uint8Array(tinyJpeg()),
  });
  return (await res.json()) as { id: string };
}

describe('detectors over GraphQL', () => {
  it('creates, updates, lists and deletes; expected failures come back as data', async () => {
    const d = await newDetector('gql det');
    const dup = await q(
      'mutation { createDetector(input: { name: "gql det", query: "q" }) { ok error { code message } } }',
    );
    expect(dup.body.data.createDetector).toMatchObject({ ok: false, error: { code: 'ALREADY_EXISTS' } });
    const bad = await q(
      'mutation { createDetector(input: { name: "x", query: "q", mode: COUNT }) { ok error { code } } }',
    );
    expect(bad.body.data.createDetector).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const upd = await q(
      'mutation($id: ID!) { updateDetector(id: $id, input: { confidenceThreshold: 0.6, status: OFF }) { ok detector { confidenceThreshold status } } }',
      { id: d.id },
    );
    expect(upd.body.data.updateDetector).toEqual({
      ok: true,
      detector: { confidenceThreshold: 0.6, status: 'OFF' },
    });
    const list = await q('query { detectors(name: "gql det") { id name } }');
    expect(list.body.data.detectors).toEqual([{ id: d.id, name: 'gql det' }]);
    const entity = await q(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Detector { id name } } }',
      { r: [{ __typename: 'Detector', id: d.id }] },
    );
    expect(entity.body.data._entities).toEqual([{ id: d.id, name: 'gql det' }]);
    const del = await q('mutation($id: ID!) { deleteDetector(id: $id) { ok deletedId } }', { id: d.id });
    expect(del.body.data.deleteDetector).toEqual({ ok: true, deletedId: d.id });
    const again = await q('mutation($id: ID!) { deleteDetector(id: $id) { ok error { code } } }', {
      id: d.id,
    });
    expect(again.body.data.deleteDetector).toEqual({ ok: false, error: { code: 'DETECTOR_NOT_FOUND' } });
  });
});

describe('review queue', () => {
  it('delivers escalationCreated over graphql-ws, filtered by detector', async () => {
    const a = await newDetector('queue a');
    const b = await newDetector('queue b');
    const onlyA = await subscribeWs<{
      escalationCreated: { detectorId: string; imageQueryId: string; reason: string };
    }>(
      t.url,
      t.tokens.reviewer,
      'subscription($ids: [ID!]) { escalationCreated(detectorIds: $ids) { detectorId imageQueryId reason state escalation { id state } } }',
      { ids: [a.id] },
    );
    const all = await subscribeWs<{ escalationCreated: { detectorId: string } }>(
      t.url,
      t.tokens.admin,
      'subscription { escalationCreated { detectorId } }',
    );
    await submit(b.id);
    const iqA = await submit(a.id);
    const ev = await onlyA.next();
    expect(ev.escalationCreated).toMatchObject({
      detectorId: a.id,
      imageQueryId: iqA.id,
      reason: 'NO_MODEL',
    });
    expect((await all.next()).escalationCreated.detectorId).toBe(b.id);
    expect((await all.next()).escalationCreated.detectorId).toBe(a.id);
    expect(onlyA.events).toHaveLength(0);
    await Promise.all([onlyA.stop(), all.stop()]);
  });

  it('delivers escalationCreated over SSE too', async () => {
    const d = await newDetector('sse det');
    const ctrl = new AbortController();
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      signal: ctrl.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'x-api-token': t.tokens.reviewer,
      },
      body: JSON.stringify({
        query:
          'subscription($ids: [ID!]) { escalationCreated(detectorIds: $ids) { detectorId imageQueryId } }',
        variables: { ids: [d.id] },
      }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    await new Promise((r) => setTimeout(r, 150));
    const iq = await submit(d.id);
    let text = '';
    while (!text.includes('"imageQueryId"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain(`"imageQueryId":"${iq.id}"`);
    ctrl.abort();
  });

  it('orders by deadline, leases claims, returns lapsed claims, skips, and labels with imageQueryUpdated', async () => {
    const d = await newDetector('lease det', 600);
    const soon = await newDetector('lease soon', 300);
    const late = await submit(d.id);
    const early = await submit(soon.id);
    const queue = await q(
      'query($ids: [ID!]) { reviewQueue(detectorIds: $ids) { edges { node { id imageQueryId deadlineAt state } } pageInfo { hasNextPage } } }',
      { ids: [d.id, soon.id] },
      t.tokens.reviewer,
    );
    const nodes = (queue.body.data.reviewQueue.edges as { node: { id: string; imageQueryId: string } }[]).map(
      (e) => e.node,
    );
    expect(nodes.map((n) => n.imageQueryId)).toEqual([early.id, late.id]);
    const escId = nodes[1]!.id;

    const claim =
      'mutation($id: ID!) { claimEscalation(id: $id) { ok error { code } escalation { state claimedBy } } }';
    const mine = await q(claim, { id: escId }, t.tokens.reviewer);
    expect(mine.body.data.claimEscalation).toMatchObject({
      ok: true,
      escalation: { state: 'CLAIMED', claimedBy: t.reviewerId },
    });
    const theirs = await q(claim, { id: escId }, t.tokens.reviewer2);
    expect(theirs.body.data.claimEscalation).toMatchObject({
      ok: false,
      error: { code: 'ESCALATION_CLAIMED' },
    });
    const blocked = await q(
      'mutation($iq: ID!) { labelImageQuery(input: { imageQueryId: $iq, label: "YES" }) { ok error { code } } }',
      { iq: late.id },
      t.tokens.reviewer2,
    );
    expect(blocked.body.data.labelImageQuery).toEqual({ ok: false, error: { code: 'ESCALATION_CLAIMED' } });

    // ESCALATION_LEASE_SECONDS=1: the claim lapses and the sweeper returns it to the queue.
    await new Promise((r) => setTimeout(r, 1600));
    const lapsed = await q(
      'query($id: ID!) { escalation(id: $id) { state claimedBy } }',
      { id: escId },
      t.tokens.reviewer,
    );
    expect(lapsed.body.data.escalation).toEqual({ state: 'QUEUED', claimedBy: null });
    const release = await q(
      'mutation($id: ID!) { releaseEscalation(id: $id) { ok error { code } } }',
      { id: escId },
      t.tokens.reviewer,
    );
    expect(release.body.data.releaseEscalation).toEqual({ ok: false, error: { code: 'LEASE_EXPIRED' } });

    const updates = await subscribeWs<{
      imageQueryUpdated: {
        imageQueryId: string;
        result: { label: string; source: string; confidence: number };
      };
    }>(
      t.url,
      t.tokens.hub,
      'subscription($id: ID!) { imageQueryUpdated(id: $id) { imageQueryId doneProcessing result { label source confidence } } }',
      { id: late.id },
    );
    const taken = await q(claim, { id: escId }, t.tokens.reviewer2);
    expect(taken.body.data.claimEscalation.ok).toBe(true);
    const labelled = await q(
      'mutation($iq: ID!) { labelImageQuery(input: { imageQueryId: $iq, label: "NO" }) { ok imageQuery { answered result { label source confidence } labels { label labeledBy } } } }',
      { iq: late.id },
      t.tokens.reviewer2,
    );
    expect(labelled.body.data.labelImageQuery).toMatchObject({
      ok: true,
      imageQuery: { answered: true, result: { label: 'NO', source: 'USER', confidence: 1 } },
    });
    const ev = await updates.next();
    expect(ev.imageQueryUpdated).toMatchObject({
      imageQueryId: late.id,
      result: { label: 'NO', source: 'USER', confidence: 1 },
    });
    await updates.stop();

    const earlyEsc = nodes[0]!.id;
    const skipped = await q(
      'mutation($id: ID!) { skipEscalation(id: $id) { ok escalation { state resolvedBy } } }',
      { id: earlyEsc },
      t.tokens.reviewer,
    );
    expect(skipped.body.data.skipEscalation).toEqual({
      ok: true,
      escalation: { state: 'SKIPPED', resolvedBy: t.reviewerId },
    });
    const final = await q(
      'query($ids: [ID!]) { reviewQueue(detectorIds: $ids, states: [LABELED, SKIPPED]) { edges { node { state } } } }',
      { ids: [d.id, soon.id] },
      t.tokens.reviewer,
    );
    expect(
      (final.body.data.reviewQueue.edges as { node: { state: string } }[]).map((e) => e.node.state).sort(),
    ).toEqual(['LABELED', 'SKIPPED']);
  });

  it('expires escalations past their patience time', async () => {
    const d = await newDetector('impatient', 1);
    const iq = await submit(d.id);
    await new Promise((r) => setTimeout(r, 1500));
    const esc = await t.services.escalations.forImageQuery(iq.id);
    expect(esc?.state).toBe('EXPIRED');
    const claim = await q(
      'mutation($id: ID!) { claimEscalation(id: $id) { ok error { code } } }',
      { id: esc!.id },
      t.tokens.reviewer,
    );
    expect(claim.body.data.claimEscalation).toEqual({ ok: false, error: { code: 'CONFLICT' } });
  });
});

describe('image queries over GraphQL', () => {
  it('pages with cursors and filters by detector, source and answered', async () => {
    const d = await newDetector('paging det');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit(d.id)).id);
    await t.services.labels.label(
      { kind: 'user', id: t.reviewerId, username: 'reviewer1', email: '', role: 'REVIEWER' },
      { image_query_id: ids[0], label: 'YES' },
    );
    const page =
      'query($f: ImageQueryFilter, $after: String) { imageQueries(first: 2, after: $after, filter: $f) { edges { cursor node { id answered imageUrl result { source } } } pageInfo { hasNextPage endCursor } } }';
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res = await q(page, { f: { detectorId: d.id }, after }, t.tokens.reviewer);
      const conn = res.body.data.imageQueries;
      seen.push(...(conn.edges as { node: { id: string } }[]).map((e) => e.node.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor as string;
    }
    expect(seen).toEqual([...ids].reverse());
    const answered = await q(page, { f: { detectorId: d.id, answered: true } }, t.tokens.reviewer);
    const answeredEdges = answered.body.data.imageQueries.edges as { node: { id: string } }[];
    expect(answeredEdges.map((e) => e.node.id)).toEqual([ids[0]]);
    const byUser = await q(page, { f: { detectorId: d.id, source: 'USER' } }, t.tokens.reviewer);
    expect(byUser.body.data.imageQueries.edges).toHaveLength(1);
    const img = await fetch(String(answered.body.data.imageQueries.edges[0].node.imageUrl));
    expect(img.status).toBe(200);
  });
});

describe('hubs and model versions over GraphQL', () => {
  it('registers a hub (token once), heartbeats fire hubStatusChanged, publishing fires modelVersionPublished', async () => {
    const d = await newDetector('models det');
    const reg = await q(
      'mutation { registerHub(name: "line-7", detectorIds: null) { ok token hub { id name online } } }',
    );
    const { token, hub } = reg.body.data.registerHub as {
      token: string;
      hub: { id: string; online: boolean };
    };
    expect(hub.online).toBe(false);
    const status = await subscribeWs<{
      hubStatusChanged: { hubId: string; online: boolean; counters: Record<string, number> };
    }>(
      t.url,
      t.tokens.admin,
      'subscription { hubStatusChanged { hubId online counters servedDetectors { detectorId primaryVersion } } }',
    );
    const published = await subscribeWs<{
      modelVersionPublished: { detectorId: string; version: number; sha256: string; kind: string };
    }>(
      t.url,
      token,
      'subscription($ids: [ID!]) { modelVersionPublished(detectorIds: $ids) { detectorId kind version sha256 modelVersionId } }',
      { ids: [d.id] },
    );
    const beat = await q(
      'mutation($d: ID!) { hubHeartbeat(input: { servedDetectors: [{ detectorId: $d, primaryVersion: 1 }], counters: { iqs: 10, escalations: 2 } }) { ok hub { online servedDetectors { detectorId primaryVersion ooddVersion } } } }',
      { d: d.id },
      token,
    );
    expect(beat.body.data.hubHeartbeat).toEqual({
      ok: true,
      hub: { online: true, servedDetectors: [{ detectorId: d.id, primaryVersion: 1, ooddVersion: null }] },
    });
    expect((await status.next()).hubStatusChanged).toMatchObject({
      hubId: hub.id,
      online: true,
      counters: { iqs: 10, escalations: 2 },
    });

    const pkg = Buffer.from('model package v1').toString('base64');
    const created = await q(
      'mutation($d: ID!, $p: String!) { createModelVersion(input: { detectorId: $d, kind: primary, packageBase64: $p, metrics: { accuracy: 0.93 } }) { ok modelVersion { id number state sha256 } } }',
      { d: d.id, p: pkg },
    );
    const mv = created.body.data.createModelVersion.modelVersion as {
      id: string;
      number: number;
      sha256: string;
    };
    expect(created.body.data.createModelVersion.modelVersion).toMatchObject({
      number: 1,
      state: 'CANDIDATE',
    });
    const pub = await q(
      'mutation($id: ID!) { publishModelVersion(id: $id) { ok modelVersion { state publishedAt } } }',
      { id: mv.id },
    );
    expect(pub.body.data.publishModelVersion.modelVersion.state).toBe('PUBLISHED');
    expect((await published.next()).modelVersionPublished).toMatchObject({
      detectorId: d.id,
      kind: 'primary',
      version: 1,
      sha256: mv.sha256,
    });

    const second = await q(
      'mutation($d: ID!) { createModelVersion(input: { detectorId: $d, kind: primary, packageBase64: "AQID" }) { modelVersion { id number } } }',
      { d: d.id },
    );
    const v2 = second.body.data.createModelVersion.modelVersion as { id: string; number: number };
    expect(v2.number).toBe(2);
    await q('mutation($id: ID!) { publishModelVersion(id: $id) { ok } }', { id: v2.id });
    expect((await published.next()).modelVersionPublished.version).toBe(2);
    const versions = await q(
      'query($d: ID!) { modelVersions(detectorId: $d) { number state } }',
      { d: d.id },
      token,
    );
    expect(versions.body.data.modelVersions).toEqual([
      { number: 2, state: 'PUBLISHED' },
      { number: 1, state: 'RETIRED' },
    ]);
    const retire = await q('mutation($id: ID!) { retireModelVersion(id: $id) { ok error { code } } }', {
      id: mv.id,
    });
    expect(retire.body.data.retireModelVersion).toEqual({ ok: false, error: { code: 'CONFLICT' } });
    const missing = await q('mutation { publishModelVersion(id: "mv_nope") { ok error { code } } }');
    expect(missing.body.data.publishModelVersion).toEqual({ ok: false, error: { code: 'NOT_FOUND' } });
    await Promise.all([status.stop(), published.stop()]);
  });

  it('reports a bad cursor as a coded error while the rest of a query still resolves', async () => {
    const res = await q(
      'query { imageQueries(after: "bm90LWEtY3Vyc29y") { edges { cursor } } }',
      {},
      t.tokens.reviewer,
    );
    expect(res.body.errors?.[0]?.extensions?.code).toBe('INVALID_PARAMETER');
    const broken = await q('{ me { id } detector(id: 5) { id } }');
    expect(broken.status).toBe(200);
    expect(broken.body.data.me.id).toBeTruthy();
  });
});
