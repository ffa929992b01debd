/**
 * Edge gateway benchmark (npm run bench:edge). Prints one table of p50 / p99 / throughput at 1 and 16
 * concurrent keep-alive clients for:
 *   1. the instant inference stand-in alone (a tiny node:http server answering a canned /infer JSON);
 *   2. POST /device-api/v1/image-queries through the gateway with that stand-in: the gateway's own cost
 *      (parse, auth, detector cache, decision, durable SQLite write + image file, one JSON serialisation);
 *   3. the in-process limit with a real starter model: decode + preprocess + backbone + heads in this process;
 *   4. the real inference service alone over HTTP;
 *   5. the gateway in front of the real inference service;
 *   6. one camera frame asked of 1 and of 5 detectors (the gateway's frame path, `submitFrame`, in its own child
 *      process: one stored image, one /infer call), against the stand-in and against the real inference.
 * Gateway, stand-in and inference each run in their own child process; the load generator is this process
 * (bounded: a fixed number of requests per round, rounds interleaved so a noisy neighbour hits every row).
 *
 *   npx tsx tools/bench-edge.ts [--rounds 5] [--quick] [--no-real]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = path.join(ROOT, 'libs/vision/test/fixtures');
const DET = 'det_2BenchDetector0000000000001';
/** The detectors of the multi-detector frame rows (the first is DET). */
const FRAME_DETECTORS = [1, 2, 3, 4, 5].map((n) => `det_2BenchDetector000000000000${n}`);
const FRAME_CHILD = 'apps/edge-gateway/test/support/frame-bench.child.ts';
const TOKEN = 'bench_edge_token_0123456789';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
    'no-real': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const FAST_N = args.quick ? 300 : 1500; // requests per round, instant stand-in rows
const REAL_N = args.quick ? 20 : 60; // requests per round, real-model rows
const say = (s: string): boolean => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------- helpers

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(
  port: number,
  method: string,
  p: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function waitReady(port: number, p: string, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    const ok = await request(port, 'GET', p).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready`);
}

function start(what: string, file: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null) say(`${what} exited with ${code}`);
  });
  return child;
}

interface Row {
  lat: number[];
  ms: number;
  errors: number;
}
const newRow = (): Row => ({ lat: [], ms: 0, errors: 0 });

/** n requests with c concurrent clients; latencies in ms appended to the row. */
async function measure(row: Row, n: number, c: number, fn: () => Promise<boolean>): Promise<void> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) {
        next++;
        const t = performance.now();
        const ok = await fn().catch(() => false);
        row.lat.push(performance.now() - t);
        if (!ok) row.errors++;
      }
    }),
  );
  row.ms += performance.now() - t0;
}

function stats(row: Row): { p50: number; p99: number; rps: number } {
  const s = [...row.lat].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), rps: (row.lat.length / row.ms) * 1000 };
}

// ---------------------------------------------------------------- the instant stand-in

const STAND_IN = `
const http = require('node:http');
const det = ${JSON.stringify(DET)};
const timings = { decode: 0, backbone: 0, heads: 0, total: 0 };
const answer = (id) => ({ detector_id: id, mode: 'BINARY', label: { index: 0, name: 'YES' },
  probabilities: { YES: 0.98, NO: 0.02 }, confidence: 0.98, in_domain_probability: 0.99,
  adjusted_confidence: 0.9751, model_versions: { primary: { version: 1, model_id: 'mv_1' },
  oodd: { version: 1, model_id: 'mv_2' } } });
const canned = JSON.stringify({ ...answer(det), timings_ms: timings });
const detector = (id) => JSON.stringify({ id, type: 'detector', created_at: new Date().toISOString(), name: 'bench',
  query: 'Is it brick?', group_name: 'bench', metadata: null, mode: 'BINARY', mode_configuration: null,
  confidence_threshold: 0.9, patience_time: 30, status: 'ON', escalation_type: 'STANDARD' });
http.createServer({ keepAliveTimeout: 65000 }, (req, res) => {
  req.resume();
  req.on('end', () => {
    let body = canned;
    const url = new URL(req.url, 'http://x');
    const ids = url.searchParams.getAll('detector_id');
    if (url.pathname === '/infer' && ids.length > 1) body = JSON.stringify({ results: ids.map(answer), timings_ms: timings });
    else if (url.pathname === '/infer' && ids.length === 1) body = JSON.stringify({ ...answer(ids[0]), timings_ms: timings });
    else if (req.url.startsWith('/device-api/v1/detectors/')) body = detector(decodeURIComponent(url.pathname.split('/')[4]));
    else if (req.url.startsWith('/device-api/v1/detectors')) body = '{"count":1,"next":null,"previous":null,"results":[' + detector(det) + ']}';
    else if (req.url.startsWith('/device-api/v1/me')) body = '{"username":"b","email":"b@x","is_superuser":false}';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

// ---------------------------------------------------------------- camera frames (1 vs 5 detectors)

/** Runs the gateway's frame path in its own process against `inferencePort`; latencies in ms per frame. */
async function frameRows(
  work: string,
  name: string,
  env: Record<string, string>,
  frames: number,
): Promise<{ one: number[]; many: number[]; errors: number }> {
  const home = path.join(work, `frames-${name}`);
  await mkdir(path.join(home, 'config'), { recursive: true });
  // no_cloud: the rows time the edge's own path (nothing is escalated whatever the model answers).
  await writeFile(
    path.join(home, 'config', 'edge-config.yaml'),
    [
      'global_config: { confident_audit_rate: 0 }',
      'detectors:',
      ...FRAME_DETECTORS.map((d) => `  - { detector_id: ${d}, edge_inference_config: no_cloud }`),
    ].join('\n'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', FRAME_CHILD], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      ...env,
      IO_HOME: home,
      BENCH_DETECTORS: FRAME_DETECTORS.join(','),
      BENCH_IMAGE: path.join(FIXTURES, 'textures/brick/09.jpg'),
      BENCH_FRAMES: String(frames),
      BENCH_ROUNDS: String(ROUNDS),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`frame bench (${name}) exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
    one: number[];
    many: number[];
    errors: number;
  };
}

/** The `frame1+<name>/1` and `frame5+<name>/1` rows: one frame asked of one detector, then of five. */
async function frameRowPair(
  row: (name: string) => Row,
  work: string,
  name: string,
  env: Record<string, string>,
  frames: number,
): Promise<void> {
  const r = await frameRows(work, name, env, frames);
  frameRow(row(`frame1+${name}/1`), r.one, 0);
  frameRow(row(`frame5+${name}/1`), r.many, r.errors);
}

function frameRow(r: Row, latencies: number[], errors: number): void {
  r.lat.push(...latencies);
  r.ms += latencies.reduce((a, b) => a + b, 0);
  r.errors += errors;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'io-bench-edge-'));
  const image = await readFile(path.join(FIXTURES, 'textures/brick/09.jpg'));
  const children: ChildProcess[] = [];
  const rows = new Map<string, Row>();
  const row = (name: string): Row => {
    let r = rows.get(name);
    if (!r) rows.set(name, (r = newRow()));
    return r;
  };
  try {
    // Stand-in (inference + the few cloud routes the gateway reads at start) in its own process.
    const standInPort = await freePort();
    await writeFile(path.join(work, 'stand-in.cjs'), STAND_IN);
    const standIn = spawn(process.execPath, [path.join(work, 'stand-in.cjs')], {
      env: { ...process.env, PORT: String(standInPort) },
      stdio: 'inherit',
    });
    children.push(standIn);

    const gatewayEnv = (home: string, inferencePort: number): Record<string, string> => ({
      IO_HOME: home,
      INFERENCE_URL: `http://127.0.0.1:${inferencePort}`,
      CLOUD_URL: `http://127.0.0.1:${standInPort}`,
      EDGE_API_TOKEN: TOKEN,
      MODEL_UPDATES: '0',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
    });
    const gwPort = await freePort();
    const gw = start('gateway', 'apps/edge-gateway/src/main.ts', {
      ...gatewayEnv(path.join(work, 'gw-stand-in'), standInPort),
      PORT: String(gwPort),
    });
    children.push(gw);
    await waitReady(gwPort, '/health/ready', gw, 'gateway');

    const headers = { 'x-api-token': TOKEN, 'content-type': 'image/jpeg' };
    const q = `/device-api/v1/image-queries?detector_id=${DET}`;
    const viaGateway = (port: number) => async () => {
      const r = await request(port, 'POST', q, image, headers);
      return r.status === 200;
    };
    const standInDirect = async () =>
      (await request(standInPort, 'POST', `/infer?detector_id=${DET}`, image, headers)).status === 200;
    // Warm up both paths (JIT, connections, detector cache).
    await measure(newRow(), 500, 4, standInDirect);
    await measure(newRow(), 500, 4, viaGateway(gwPort));

    say(`instant stand-in rows: ${ROUNDS} rounds × ${FAST_N} requests`);
    for (let k = 0; k < ROUNDS; k++) {
      say(`  round ${k + 1}/${ROUNDS}`);
      await measure(row('standin/1'), FAST_N / 3, 1, standInDirect);
      await measure(row('gateway+standin/1'), FAST_N / 3, 1, viaGateway(gwPort));
      await measure(row('standin/16'), FAST_N, 16, standInDirect);
      await measure(row('gateway+standin/16'), FAST_N, 16, viaGateway(gwPort));
    }

    say('frame rows against the stand-in (1 vs 5 detectors per frame)...');
    await frameRowPair(row, work, 'standin', gatewayEnv(path.join(work, 'unused'), standInPort), FAST_N / 10);

    let real = !args['no-real'];
    if (real) {
      say('building a starter model (brick vs grass/gravel) from fixture tiles...');
      const { VisionEngine, readModelPackage } = await import('@intellioptics/vision');
      const { buildStarterModel, stageStarterData } = await import('./build-starter-model');
      const engine = await VisionEngine.create();
      const data = path.join(work, 'data');
      await stageStarterData(FIXTURES, data);
      const infHome = path.join(work, 'inference-home');
      const built = await buildStarterModel({ detectorId: DET, dataDir: data, ioHome: infHome, engine });
      // The same model under the other frame detectors' ids: five heads on one backbone pass.
      for (const d of FRAME_DETECTORS.slice(1)) {
        await cp(path.join(infHome, 'models', DET), path.join(infHome, 'models', d), { recursive: true });
      }
      const heads = await Promise.all([
        readModelPackage(built.primary.dir).then((p) => engine.loadHead(p)),
        readModelPackage(built.oodd.dir).then((p) => engine.loadHead(p)),
      ]);
      const inProcess = async () => {
        const tensor = await engine.preprocess(image);
        const [f] = await engine.embedTensors([tensor]);
        await Promise.all(heads.map((h) => h.run([f!])));
        return true;
      };
      const infPort = await freePort();
      const inf = start('inference', 'apps/inference/src/main.ts', {
        IO_HOME: infHome,
        INFERENCE_HOST: '127.0.0.1',
        INFERENCE_PORT: String(infPort),
        INFERENCE_HEALTH_PORT: String(await freePort()),
      });
      children.push(inf);
      const gwRealPort = await freePort();
      const gwReal = start('gateway (real inference)', 'apps/edge-gateway/src/main.ts', {
        ...gatewayEnv(path.join(work, 'gw-real'), infPort),
        PORT: String(gwRealPort),
      });
      children.push(gwReal);
      await waitReady(gwRealPort, '/health/ready', gwReal, 'gateway (real inference)');
      const served = async () =>
        (await request(infPort, 'POST', `/infer?detector_id=${DET}`, image, headers)).status === 200;
      for (let i = 0; ; i++) {
        if (await served().catch(() => false)) break;
        if (i > 600) throw new Error('inference never answered');
        await new Promise((r) => setTimeout(r, 100));
      }
      const probe = await request(gwRealPort, 'POST', q, image, headers);
      if (probe.status !== 200) {
        say(`gateway with real inference answered ${probe.status}: ${probe.body}`);
        real = false;
      } else {
        for (let i = 0; i < 20; i++) {
          await inProcess();
          await served();
          await viaGateway(gwRealPort)();
        }
        say(`real-model rows: ${ROUNDS} rounds × ${REAL_N} requests`);
        for (let k = 0; k < ROUNDS; k++) {
          say(`  round ${k + 1}/${ROUNDS}`);
          await measure(row('inproc/1'), REAL_N / 2, 1, inProcess);
          await measure(row('inference/1'), REAL_N / 2, 1, served);
          await measure(row('gateway+inference/1'), REAL_N / 2, 1, viaGateway(gwRealPort));
          await measure(row('inproc/16'), REAL_N, 16, inProcess);
          await measure(row('inference/16'), REAL_N, 16, served);
          await measure(row('gateway+inference/16'), REAL_N, 16, viaGateway(gwRealPort));
        }
      }
      if (real) {
        say('frame rows against the real inference (1 vs 5 detectors per frame)...');
        await frameRowPair(
          row,
          work,
          'inference',
          gatewayEnv(path.join(work, 'unused'), infPort),
          REAL_N / 2,
        );
      }
      await Promise.all(heads.map((h) => h.release()));
    }

    // ------------------------------------------------------------ table
    const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '—');
    const lines: string[] = [];
    lines.push('| setup | clients | p50 ms | p99 ms | req/s | errors |');
    lines.push('|---|---|---|---|---|---|');
    const label: Record<string, string> = {
      standin: 'inference stand-in alone (canned /infer)',
      'gateway+standin': 'gateway → stand-in (edge answer, durable write)',
      inproc: 'in-process limit (decode+preprocess+backbone+heads)',
      inference: 'real inference service alone (HTTP)',
      'gateway+inference': 'gateway → real inference',
      'frame1+standin': 'camera frame, 1 detector (stand-in)',
      'frame5+standin': 'camera frame, 5 detectors (stand-in)',
      'frame1+inference': 'camera frame, 1 detector (real inference)',
      'frame5+inference': 'camera frame, 5 detectors (real inference)',
    };
    for (const [name, r] of rows) {
      const [setup, c] = name.split('/');
      const s = stats(r);
      lines.push(
        `| ${label[setup!] ?? setup} | ${c} | ${fmt(s.p50, 3)} | ${fmt(s.p99, 3)} | ${fmt(s.rps, 0)} | ${r.errors} |`,
      );
    }
    const g1 = stats(row('gateway+standin/1'));
    const s1 = stats(row('standin/1'));
    const g16 = stats(row('gateway+standin/16'));
    lines.push('');
    lines.push(
      `gateway added p50 at 1 client: ${fmt(g1.p50 - s1.p50, 3)} ms (goal ≤ 1 ms); ` +
        `gateway throughput at 16 clients: ${fmt(g16.rps, 0)} req/s (goal ≥ 1,500)`,
    );
    const f1 = stats(row('frame1+standin/1'));
    const f5 = stats(row('frame5+standin/1'));
    lines.push(`gateway frame path, 5 detectors / 1 detector (stand-in): p50 ${fmt(f5.p50 / f1.p50)}×`);
    if (real) {
      const r1 = stats(row('frame1+inference/1'));
      const r5 = stats(row('frame5+inference/1'));
      lines.push(
        `5 detectors on one frame / 1 detector (real inference): p50 ${fmt(r5.p50 / r1.p50)}×, ` +
          `p99 ${fmt(r5.p99 / r1.p99)}× (goal ≤ 1.5×)`,
      );
      const ip1 = stats(row('inproc/1'));
      const ipN = stats(row('inproc/16'));
      const gr1 = stats(row('gateway+inference/1'));
      const grN = stats(row('gateway+inference/16'));
      lines.push(
        `gateway+real inference / in-process: p50 ${fmt(gr1.p50 / ip1.p50)}× (goal ≤ 1.10), ` +
          `p99 ${fmt(gr1.p99 / ip1.p99)}× (goal ≤ 1.25), throughput at 16 ${fmt(grN.rps / ipN.rps)}× (goal ≥ 0.90)`,
      );
    }
    lines.push('');
    lines.push(
      `Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), image ${image.length} B JPEG; ` +
        `rounds interleaved; gateway STATE_DURABILITY=${process.env.STATE_DURABILITY || 'process'}, ` +
        `EDGE_DB_THREAD=${process.env.EDGE_DB_THREAD || 'worker'}; one machine shared with the load generator.`,
    );
    console.log(lines.join('\n'));
  } finally {
    for (const c of children) c.kill('SIGTERM');
    agent.destroy();
    await new Promise((r) => setTimeout(r, 300));
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
