/**
 * cloud-graph benchmark (`npm run bench:cloud`): escalation created → `escalationCreated` received over
 * graphql-ws by 1 and by 1,000 subscribers (p50/p99 delivery, memory), and REST image-query submits per
 * second into PostgreSQL. Needs PostgreSQL on 127.0.0.1:5432 (trust, user postgres; override TEST_PG_URL).
 * Server and clients share this process (and the 2 cores), so the numbers include the clients' own cost.
 * Latency = receive time − the escalation's createdAt (stamped before the commit), same clock.
 */
import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';
import { startCloudForTests, tinyJpeg, type TestCloud } from '@intellioptics/cloud-graph/test-support';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k ?? '', v ?? ''];
  }),
);
const MANY = Number(args.get('subscribers') ?? 1000);
const EVENTS = Number(args.get('events') ?? 30);
const REST_SECONDS = Number(args.get('seconds') ?? 5);
const CONCURRENCY = Number(args.get('concurrency') ?? 16);

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

async function submit(t: TestCloud, detectorId: string): Promise<number> {
  const res = await fetch(`${t.url}/device-api/v1/image-queries?detector_id=${detectorId}`, {
    method: 'POST',
    headers: { 'x-api-token': t.tokens.admin, 'content-type': 'image/jpeg' },
    body: new Uint8Array(tinyJpeg()),
  });
  await res.arrayBuffer();
  return res.status;
}

async function connect(t: TestCloud, n: number, detectorId: string, onEvent: (createdAt: string) => void) {
  const clients: Client[] = [];
  const batch = 50;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, async () => {
        const client = createClient({
          url: `${t.url.replace('http', 'ws')}/graphql`,
          webSocketImpl: WebSocket,
          connectionParams: { 'x-api-token': t.tokens.reviewer },
          retryAttempts: 0,
          lazy: false,
        });
        clients.push(client);
        await new Promise<void>((resolve, reject) => {
          client.on('connected', () => resolve());
          client.on('closed', () => reject(new Error('closed')));
          client.subscribe<{ escalationCreated: { createdAt: string } }>(
            {
              query: 'subscription($ids: [ID!]) { escalationCreated(detectorIds: $ids) { createdAt } }',
              variables: { ids: [detectorId] },
            },
            {
              next: (v) => onEvent(v.data!.escalationCreated.createdAt),
              error: () => undefined,
              complete: () => undefined,
            },
          );
        });
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 500)); // subscriptions registered after the ack
  return clients;
}

async function deliveryRun(t: TestCloud, subscribers: number) {
  const det = await t.services.detectors.create({
    name: `bench-${subscribers}-${Date.now()}`,
    query: 'q?',
  });
  const latencies: number[] = [];
  let received = 0;
  global.gc?.();
  const before = process.memoryUsage();
  const clients = await connect(t, subscribers, det.id, (createdAt) => {
    latencies.push(Date.now() - new Date(createdAt).getTime());
    received++;
  });
  global.gc?.();
  const after = process.memoryUsage();
  for (let i = 0; i < EVENTS; i++) {
    const target = (i + 1) * subscribers;
    await submit(t, det.id);
    const deadline = Date.now() + 10_000;
    while (received < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  }
  for (const c of clients) void c.dispose();
  latencies.sort((a, b) => a - b);
  return {
    subscribers,
    expected: EVENTS * subscribers,
    received,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    rssDelta: after.rss - before.rss,
    heapDelta: after.heapUsed - before.heapUsed,
    rss: after.rss,
  };
}

async function restRun(t: TestCloud) {
  const det = await t.services.detectors.create({ name: `bench-rest-${Date.now()}`, query: 'q?' });
  const single: number[] = [];
  for (let i = 0; i < 50; i++) {
    const s = performance.now();
    await submit(t, det.id);
    single.push(performance.now() - s);
  }
  single.sort((a, b) => a - b);
  let ok = 0;
  let failed = 0;
  const end = Date.now() + REST_SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        if ((await submit(t, det.id)) === 201) ok++;
        else failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { p50: pct(single, 50), p99: pct(single, 99), rps: ok / seconds, ok, failed };
}

const t = await startCloudForTests();
try {
  const rows = [await deliveryRun(t, 1), await deliveryRun(t, MANY)];
  const rest = await restRun(t);
  console.log(
    `\ncloud-graph bench — Node ${process.version}, ${EVENTS} escalations per row, real PostgreSQL, local blobs`,
  );
  console.log(
    '| escalation → graphql-ws event | delivered | p50 ms | p99 ms | max ms | RSS after connect | RSS Δ for subscribers | heap Δ |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.subscribers} subscriber(s) | ${r.received}/${r.expected} | ${r.p50} | ${r.p99} | ${r.max} | ${mb(r.rss)} MB | ${mb(r.rssDelta)} MB | ${mb(r.heapDelta)} MB |`,
    );
  }
  console.log(
    '\n| REST POST /device-api/v1/image-queries (8×8 JPEG → blob + IQ + escalation rows) | value |',
  );
  console.log('|---|---|');
  console.log(`| 1 client, p50 / p99 latency | ${rest.p50.toFixed(1)} ms / ${rest.p99.toFixed(1)} ms |`);
  console.log(
    `| ${CONCURRENCY} clients for ${REST_SECONDS} s | ${rest.rps.toFixed(0)} submits/s (${rest.ok} ok, ${rest.failed} failed) |`,
  );
} finally {
  await t.close();
}
