/**
 * Soak benchmark (npm run bench:soak): the real edge gateway, the real inference service (a starter model
 * trained from the fixture tiles) and the real cloud (cloud-graph on its own PostgreSQL database), each in its
 * own child process, driven at twice the nominal load for N minutes with a share of escalations; the cloud is
 * stopped (SIGTERM) and restarted in the middle. At the end every accepted image query is read back from the
 * edge and every escalation is looked up in the cloud's database, and the edge's RSS/heap are fitted to a line.
 *
 * Nominal load: 5 cameras at 1 frame/s (5 req/s); the soak runs at 2× that unless --rps says otherwise.
 *
 *   npx tsx tools/bench-soak.ts [--minutes 10] [--rps 10] [--escalate 0.15]
 *
 * Prints progress to stderr, then a table and one line:
 *   RESULT lost=0 duplicated=0 rss_slope_mb_per_min=… p99_ms=…
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = path.join(ROOT, 'libs/vision/test/fixtures');
const PG = process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ADMIN = `io_admin_soak_${randomBytes(12).toString('hex')}`;
const NOMINAL_RPS = 5;

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rps: { type: 'string', default: String(2 * NOMINAL_RPS) },
    escalate: { type: 'string', default: '0.15' },
  },
});
const MINUTES = Number(args.minutes);
const RPS = Number(args.rps);
const ESCALATE = Number(args.escalate);
if (!(MINUTES > 0) || !(RPS > 0) || !(ESCALATE >= 0 && ESCALATE <= 1)) {
  throw new Error('usage: bench-soak [--minutes N>0] [--rps R>0] [--escalate 0..1]');
}
const say = (s: string): boolean => process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- processes and HTTP

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

interface Answer {
  status: number;
  body: string;
  /** The edge's decision (X-IntelliOptics-Reason): the image query's metadata is the caller's. */
  reason: string | null;
}

function request(
  port: number,
  method: string,
  p: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const reason = res.headers['x-intellioptics-reason'];
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          reason: typeof reason === 'string' ? reason : null,
        });
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A service as a child process, restartable on the same port. */
class Service {
  child: ChildProcess | null = null;
  constructor(
    readonly name: string,
    private readonly file: string,
    private readonly env: Record<string, string>,
    private readonly readyPort: number,
    private readonly readyPath: string,
  ) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', this.file], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    this.child = child;
    for (let i = 0; i < 1800; i++) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited (${child.exitCode})`);
      const ok = await request(this.readyPort, 'GET', this.readyPath).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      await sleep(100);
    }
    throw new Error(`${this.name} did not become ready`);
  }

  /** SIGTERM, then the exit (SIGKILL after 20 s). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- measurements

interface Sample {
  /** seconds since the load started */
  t: number;
  ms: number;
  status: number;
  kind: 'edge' | 'escalate' | 'escalate-async';
  id?: string;
  reason?: string;
  fromEdge?: boolean;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxy = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return sxx === 0 ? NaN : sxy / sxx;
}

/** One value of a Prometheus text exposition (first series of that name). */
function metric(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

function psql(url: string, sql: string): string[] {
  return execFileSync('psql', [url, '-At', '-c', sql], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n')
    .filter(Boolean);
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'io-bench-soak-'));
  const dbName = `io_soak_${randomBytes(5).toString('hex')}`;
  const dbUrl = new URL(PG);
  dbUrl.pathname = `/${dbName}`;
  const services: Service[] = [];
  try {
    execFileSync('psql', [PG, '-q', '-c', `CREATE DATABASE ${dbName}`]);
    const brick = await readFile(path.join(FIXTURES, 'textures/brick/09.jpg'));
    const cat = await readFile(path.join(FIXTURES, 'photos/chelsea.jpg'));

    // The cloud, with a hub for the edge and one detector.
    const cloudPort = await freePort();
    const cloud = new Service(
      'cloud-graph',
      'apps/cloud-graph/src/main.ts',
      {
        DATABASE_URL: dbUrl.toString(),
        BLOB_DIR: path.join(work, 'blobs'),
        BLOB_SIGNING_SECRET: randomBytes(24).toString('hex'),
        IO_BOOTSTRAP_TOKEN: ADMIN,
        PORT: String(cloudPort),
        HOST: '127.0.0.1',
        LEARNING_IN_PROCESS: '0',
      },
      cloudPort,
      '/health/ready',
    );
    services.push(cloud);
    say('starting cloud-graph...');
    await cloud.start();
    const json = { 'x-api-token': ADMIN, 'content-type': 'application/json' };
    const hub = await request(
      cloudPort,
      'POST',
      '/graphql',
      JSON.stringify({ query: 'mutation { registerHub(name: "soak", detectorIds: null) { ok token } }' }),
      json,
    );
    const hubToken = (JSON.parse(hub.body) as { data: { registerHub: { token: string } } }).data.registerHub
      .token;
    const created = await request(
      cloudPort,
      'POST',
      '/device-api/v1/detectors',
      JSON.stringify({ name: 'soak', query: 'Is it brick?', confidence_threshold: 0.8 }),
      json,
    );
    if (created.status >= 300) throw new Error(`detector: ${created.status} ${created.body}`);
    const det = (JSON.parse(created.body) as { id: string }).id;

    say('training a starter model (brick vs grass/gravel) from the fixture tiles...');
    const { buildStarterModel, stageStarterData } = await import('./build-starter-model');
    const data = path.join(work, 'data');
    await stageStarterData(FIXTURES, data);
    const infHome = path.join(work, 'inference-home');
    await buildStarterModel({ detectorId: det, dataDir: data, ioHome: infHome });

    const infPort = await freePort();
    const infHealth = await freePort();
    const inference = new Service(
      'inference',
      'apps/inference/src/main.ts',
      {
        IO_HOME: infHome,
        INFERENCE_HOST: '127.0.0.1',
        INFERENCE_PORT: String(infPort),
        INFERENCE_HEALTH_PORT: String(infHealth),
      },
      infHealth,
      '/health/live',
    );
    services.push(inference);
    say('starting inference...');
    await inference.start();

    const edgeHome = path.join(work, 'edge-home');
    await mkdir(path.join(edgeHome, 'config'), { recursive: true });
    await writeFile(
      path.join(edgeHome, 'config', 'edge-config.yaml'),
      [
        'global_config: { refresh_rate: 3600, confident_audit_rate: 0 }',
        'detectors:',
        `  - { detector_id: ${det}, edge_inference_config: default }`,
      ].join('\n'),
    );
    const edgePort = await freePort();
    const edge = new Service(
      'edge-gateway',
      'apps/edge-gateway/src/main.ts',
      {
        IO_HOME: edgeHome,
        INFERENCE_URL: `http://127.0.0.1:${infPort}`,
        CLOUD_URL: `http://127.0.0.1:${cloudPort}`,
        EDGE_API_TOKEN: hubToken,
        MODEL_UPDATES: '0',
        PORT: String(edgePort),
        HOST: '127.0.0.1',
        OUTBOX_BACKOFF_MAX_S: '2',
      },
      edgePort,
      '/health/ready',
    );
    services.push(edge);
    say('starting edge-gateway...');
    await edge.start();
    const edgePid = edge.child!.pid!;

    const headers = { 'x-api-token': ADMIN, 'content-type': 'image/jpeg' };
    const base = `/device-api/v1/image-queries?detector_id=${det}`;
    // Warm up: the model answers at the edge, the client's token is met while the cloud is up.
    for (let i = 0; ; i++) {
      const r = await request(edgePort, 'POST', `${base}&confidence_threshold=0.5`, brick, headers);
      if (r.status === 200 && (JSON.parse(r.body) as { result?: { from_edge?: boolean } }).result?.from_edge)
        break;
      if (i > 300) throw new Error(`the edge never answered from its model: ${r.status} ${r.body}`);
      await sleep(200);
    }

    // ------------------------------------------------------------ the load
    const samples: Sample[] = [];
    const memory: { t: number; rssMb: number; heapMb: number }[] = [];
    const durationS = MINUTES * 60;
    const t0 = performance.now();
    const now = () => (performance.now() - t0) / 1000;
    let sent = 0;
    let inFlight = 0;
    let outboxPeak = 0;
    let restartNote = '';

    const fire = (): void => {
      const n = sent++;
      // A deterministic mix: every k-th request escalates; one escalation in three is want_async.
      const every = ESCALATE > 0 ? Math.round(1 / ESCALATE) : Infinity;
      const escalate = n % every === every - 1;
      const isAsync = escalate && Math.floor(n / every) % 3 === 2;
      const kind: Sample['kind'] = !escalate ? 'edge' : isAsync ? 'escalate-async' : 'escalate';
      const p = escalate
        ? `${base}&confidence_threshold=0.999999${isAsync ? '&want_async=True' : ''}`
        : `${base}&confidence_threshold=0.5`;
      const t = now();
      inFlight++;
      request(edgePort, 'POST', p, escalate ? cat : brick, headers).then(
        (r) => {
          inFlight--;
          const s: Sample = { t, ms: (now() - t) * 1000, status: r.status, kind };
          if (r.status === 200) {
            const iq = JSON.parse(r.body) as { id: string; result?: { from_edge?: boolean } | null };
            s.id = iq.id;
            if (r.reason) s.reason = r.reason;
            s.fromEdge = iq.result?.from_edge ?? false;
          }
          samples.push(s);
        },
        () => {
          inFlight--;
          samples.push({ t, ms: (now() - t) * 1000, status: 0, kind });
        },
      );
    };

    const scrape = async (): Promise<number> => {
      const r = await request(edgePort, 'GET', '/metrics', undefined, { 'x-api-token': hubToken }).catch(
        () => null,
      );
      if (!r || r.status !== 200) return NaN;
      const depth = metric(r.body, 'edge_outbox_depth');
      memory.push({
        t: now(),
        rssMb: metric(r.body, 'process_resident_memory_bytes') / 2 ** 20,
        heapMb: metric(r.body, 'nodejs_heap_size_used_bytes') / 2 ** 20,
      });
      outboxPeak = Math.max(outboxPeak, depth || 0);
      return depth;
    };

    say(
      `soak: ${MINUTES} min at ${RPS} req/s (nominal ${NOMINAL_RPS}), ${(ESCALATE * 100).toFixed(0)}% escalations; ` +
        `cloud restart at ${(durationS / 2).toFixed(0)} s; edge pid ${edgePid}`,
    );
    const restart = (async () => {
      await sleep((durationS / 2) * 1000);
      const t = now();
      say(`  [${t.toFixed(0)} s] stopping the cloud (SIGTERM)...`);
      await cloud.stop();
      say(`  [${now().toFixed(0)} s] cloud stopped (drained in ${(now() - t).toFixed(1)} s)`);
      await sleep(5_000); // a real outage window: escalations must queue
      await cloud.start();
      restartNote = `cloud down ${t.toFixed(0)}–${now().toFixed(0)} s`;
      say(`  [${now().toFixed(0)} s] cloud back (${restartNote})`);
    })();
    const memTimer = setInterval(() => void scrape(), 5_000);
    let lastProgress = 0;
    while (now() < durationS) {
      const due = Math.floor(now() * RPS);
      while (sent < due) fire();
      if (now() - lastProgress >= 15) {
        lastProgress = now();
        const ok = samples.filter((s) => s.status === 200).length;
        const last = memory.at(-1);
        say(
          `  [${now().toFixed(0)} s] sent ${sent}, accepted ${ok}, not accepted ${samples.length - ok}, ` +
            `in flight ${inFlight}, rss ${last?.rssMb.toFixed(0) ?? '?'} MB, heap ${last?.heapMb.toFixed(0) ?? '?'} MB`,
        );
      }
      await sleep(10);
    }
    await restart;
    while (inFlight > 0) await sleep(20);
    clearInterval(memTimer);
    say(`load done: ${sent} sent; waiting for the outbox to drain...`);
    const drainStart = now();
    for (;;) {
      const depth = await scrape();
      if (depth === 0) break;
      if (now() - drainStart > 300) throw new Error(`the outbox did not drain (depth ${depth})`);
      await sleep(500);
    }
    const drainS = now() - drainStart;

    // ------------------------------------------------------------ verification
    const accepted = samples.filter((s) => s.status === 200);
    const ids = accepted.map((s) => s.id!);
    const duplicateAnswers = ids.length - new Set(ids).size;
    let unreadable = 0;
    for (const id of ids) {
      const r = await request(edgePort, 'GET', `/device-api/v1/image-queries/${id}`, undefined, {
        'x-api-token': ADMIN,
      }).catch(() => null);
      if (r?.status !== 200) unreadable++;
    }
    const answeredAtEdge = accepted.filter((s) => s.reason === 'CONFIDENT');
    // What the edge sent (or queued) for the cloud: everything it did not answer confidently itself (the
    // escalation share, and any query the model could not answer in time).
    const escalated = accepted.filter((s) => s.reason !== 'CONFIDENT');
    const escalatedIds = new Set(escalated.map((s) => s.id!));
    // Confident answers stay at the edge (audits are off): an edge answer in the cloud would be a leak.
    const cloudRows = psql(dbUrl.toString(), `SELECT id FROM image_queries WHERE detector_id = '${det}'`);
    const cloudIds = new Set(cloudRows);
    const delivered = [...escalatedIds].filter((id) => cloudIds.has(id)).length;
    const lostEscalations = escalatedIds.size - delivered;
    const duplicated = cloudRows.length - cloudIds.size + duplicateAnswers;
    const unexpectedInCloud = [...cloudIds].filter((id) => !escalatedIds.has(id)).length;
    const lost = lostEscalations + unreadable;

    // ------------------------------------------------------------ report
    const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '—');
    const byStatus = new Map<number, number>();
    for (const s of samples) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
    const lines: string[] = [];
    lines.push(
      `## bench:soak — ${MINUTES} min at ${RPS} req/s (2× nominal ${NOMINAL_RPS}), ${fmt(ESCALATE * 100, 0)}% escalations, ${restartNote}`,
    );
    lines.push('');
    lines.push('| count | value |');
    lines.push('|---|---|');
    lines.push(`| sent | ${sent} |`);
    lines.push(`| accepted (200) | ${accepted.length} |`);
    lines.push(
      `| not accepted | ${samples.length - accepted.length} (${
        [...byStatus]
          .filter(([s]) => s !== 200)
          .map(([s, n]) => `${s === 0 ? 'transport' : s}: ${n}`)
          .join(', ') || 'none'
      }) |`,
    );
    lines.push(`| answered at the edge (CONFIDENT) | ${answeredAtEdge.length} |`);
    const reasons = new Map<string, number>();
    for (const s of escalated) reasons.set(s.reason ?? '?', (reasons.get(s.reason ?? '?') ?? 0) + 1);
    lines.push(
      `| escalated (asked: sync / want_async; by reason) | ${escalated.length} (${escalated.filter((s) => s.kind === 'escalate').length} / ${escalated.filter((s) => s.kind === 'escalate-async').length}; ${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')}) |`,
    );
    lines.push(
      `| escalations answered with the edge's own answer (cloud down or no cloud answer yet) | ${escalated.filter((s) => s.fromEdge).length} |`,
    );
    lines.push(`| delivered (in the cloud's database) | ${delivered} |`);
    lines.push(
      `| lost (escalations missing in the cloud + accepted unreadable at the edge) | ${lost} (${lostEscalations} + ${unreadable}) |`,
    );
    lines.push(`| duplicated (rows per id in the cloud, ids answered twice) | ${duplicated} |`);
    lines.push(`| confident edge answers found in the cloud (must be 0) | ${unexpectedInCloud} |`);
    lines.push(`| outbox peak / drained after the load | ${outboxPeak} / ${fmt(drainS)} s |`);
    lines.push('');
    lines.push(
      '| minute | requests | accepted | p50 ms | p99 ms | edge p50 ms | escalation p99 ms | edge RSS MB | edge heap MB |',
    );
    lines.push('|---|---|---|---|---|---|---|---|---|');
    for (let m = 0; m < Math.ceil(MINUTES); m++) {
      const inMinute = samples.filter((s) => s.t >= m * 60 && s.t < (m + 1) * 60);
      const lat = inMinute.map((s) => s.ms).sort((a, b) => a - b);
      const edgeLat = inMinute
        .filter((s) => s.kind === 'edge')
        .map((s) => s.ms)
        .sort((a, b) => a - b);
      const escLat = inMinute
        .filter((s) => s.kind !== 'edge')
        .map((s) => s.ms)
        .sort((a, b) => a - b);
      const mem = memory.filter((x) => x.t >= m * 60 && x.t < (m + 1) * 60).at(-1);
      lines.push(
        `| ${m + 1} | ${inMinute.length} | ${inMinute.filter((s) => s.status === 200).length} | ${fmt(quantile(lat, 0.5))} | ${fmt(quantile(lat, 0.99))} | ${fmt(quantile(edgeLat, 0.5))} | ${fmt(quantile(escLat, 0.99))} | ${fmt(mem?.rssMb ?? NaN, 0)} | ${fmt(mem?.heapMb ?? NaN, 0)} |`,
      );
    }
    // Memory slope after the first fifth (JIT, caches and pools filling up are not a leak).
    const settled = memory.filter((x) => x.t >= durationS / 5 && x.t <= durationS);
    const rssSlope = slope(settled.map((x) => ({ x: x.t / 60, y: x.rssMb })));
    const heapSlope = slope(settled.map((x) => ({ x: x.t / 60, y: x.heapMb })));
    const all = samples.map((s) => s.ms).sort((a, b) => a - b);
    lines.push('');
    lines.push(
      `overall p50 ${fmt(quantile(all, 0.5))} ms, p99 ${fmt(quantile(all, 0.99))} ms; edge RSS slope ${fmt(rssSlope, 2)} MB/min, heap slope ${fmt(heapSlope, 2)} MB/min (fitted over ${settled.length} samples after minute ${fmt(MINUTES / 5)})`,
    );
    lines.push(
      `RESULT lost=${lost} duplicated=${duplicated} rss_slope_mb_per_min=${fmt(rssSlope, 2)} heap_slope_mb_per_min=${fmt(heapSlope, 2)} p99_ms=${fmt(quantile(all, 0.99))}`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    if (lost > 0 || duplicated > 0 || unexpectedInCloud > 0) process.exitCode = 1;
  } finally {
    for (const s of [...services].reverse()) await s.stop().catch(() => undefined);
    try {
      execFileSync('psql', [PG, '-q', '-c', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`]);
    } catch {
      say(`could not drop ${dbName}`);
    }
    await rm(work, { recursive: true, force: true });
    agent.destroy();
  }
}

await main();
