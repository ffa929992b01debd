/**
 * `npm start`: runs the platform on one machine with no external services (the embedded default):
 * cloud-graph on embedded PGlite with a local blob folder and the training worker in-process, the inference
 * service, the edge gateway (registered with the cloud as a hub), and the review UI (built on first start,
 * served by `vite preview`, which proxies /graphql to the cloud). Each service is a child process with
 * prefixed logs; a crashed one is restarted with backoff, and one that keeps crashing stops them all, as does
 * Ctrl-C. Data lives in $IO_HOME (default: .io-home in the repo), so a second start resumes with the same data.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer, connect } from 'node:net';
import { configureDemoStream, seedDemo, startSimulatedCamera } from './demo';
import { findNginx, renderTemplate, selfSignedCert, writeNginxPrefix } from './render-nginx';
import { Supervisor, waitReady as pollReady } from './supervisor';

const root = resolve(import.meta.dirname, '..');
const ioHome = resolve(process.env.IO_HOME ?? join(root, '.io-home'));
mkdirSync(ioHome, { recursive: true });
const CLOUD = 'http://127.0.0.1:8000';

const supervisor = new Supervisor({ onGiveUp: () => process.exit(1) });

/**
 * The admin API token: IO_BOOTSTRAP_TOKEN if given, else one made at the first start and kept in IO_HOME so a
 * second start resumes with the same token. The cloud creates the admin user with it; the edge gets a hub token.
 */
function bootstrapToken(): string {
  if (process.env.IO_BOOTSTRAP_TOKEN) return process.env.IO_BOOTSTRAP_TOKEN;
  const file = join(ioHome, 'bootstrap-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `io_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** The environment children inherit: without the admin token (only cloud-graph is given it, explicitly). */
const { IO_BOOTSTRAP_TOKEN: _adminToken, ...inheritedEnv } = process.env;

function run(
  name: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  options: { command?: string; readyUrl?: string } = {},
): void {
  supervisor.start({
    name,
    command: options.command ?? process.execPath,
    args,
    cwd,
    env: { ...inheritedEnv, IO_HOME: ioHome, ...env },
    ...(options.readyUrl ? { readyUrl: options.readyUrl } : {}),
  });
}

function runApp(name: string, app: string, env: Record<string, string>, readyUrl: string): boolean {
  const main = join(root, app, 'src', 'main.ts');
  if (!existsSync(main)) {
    console.log(`  ${name.padEnd(13)} not built yet (${app})`);
    return false;
  }
  run(name, ['--import', 'tsx', main], join(root, app), env, { readyUrl });
  return true;
}

const waitReady = (url: string, seconds: number) => pollReady(url, seconds, () => supervisor.isStopping);

/**
 * The edge's token: a hub registered once with the admin token (for every detector: on one machine the edge
 * serves them all) and kept in IO_HOME. The edge never holds the admin token.
 */
async function hubToken(admin: string): Promise<string | null> {
  const file = join(ioHome, 'hub-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const res = await fetch(`${CLOUD}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-token': admin },
    body: JSON.stringify({
      query:
        'mutation($name: String!) { registerHub(name: $name, detectorIds: null) { ok token error { message } } }',
      variables: { name: `laptop-edge-${randomBytes(3).toString('hex')}` },
    }),
  });
  const body = (await res.json()) as {
    data?: { registerHub: { ok: boolean; token: string | null; error: { message: string } | null } };
  };
  const token = body.data?.registerHub.token ?? null;
  if (!token) {
    console.error(`could not register the edge as a hub: ${JSON.stringify(body)}`);
    return null;
  }
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

async function stopAll(exitCode: number, why?: string): Promise<void> {
  if (supervisor.isStopping) return;
  if (why) console.error(`${why}: stopping every service`);
  await supervisor.stopAll();
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0, 'Ctrl-C'));
process.on('SIGTERM', () => void stopAll(0, 'SIGTERM'));

/** Fails fast, naming the port, when another program already listens on one the platform needs. */
async function portsFree(ports: number[]): Promise<void> {
  for (const port of ports) {
    const taken = await new Promise<boolean>((done) => {
      const probe = createServer()
        .once('error', () => done(true))
        .listen(port, '127.0.0.1', () => probe.close(() => done(false)));
    });
    if (taken) {
      console.error(
        `port ${port} is taken by another program: stop it (for example a previous npm start: \`ss -ltnp | grep :${port}\`) and start again`,
      );
      process.exit(1);
    }
  }
}

await portsFree([8000, 8001, 8081, 8718, 30101, 30143, 3000, 8554]);
const adminToken = bootstrapToken();
console.log(`IntelliOptics — data in ${ioHome}`);

if (
  runApp(
    'cloud-graph',
    'apps/cloud-graph',
    { PORT: '8000', IO_BOOTSTRAP_TOKEN: adminToken },
    `${CLOUD}/health/ready`,
  )
) {
  console.log('  cloud-graph   starting (embedded PostgreSQL, local blobs, training worker)…');
  if (!(await waitReady(`${CLOUD}/health/ready`, 180))) {
    console.error('cloud-graph did not become ready within 180 s; see its log above');
    await stopAll(1);
  }
}
runApp(
  'inference',
  'apps/inference',
  { INFERENCE_PORT: '8001', INFERENCE_HEALTH_PORT: '8081' },
  'http://127.0.0.1:8081/health/ready',
);
const hub = await hubToken(adminToken).catch((e: unknown) => {
  console.error(`could not register the edge as a hub: ${e instanceof Error ? e.message : String(e)}`);
  return null;
});
if (!hub && !process.env.EDGE_API_TOKEN) {
  await stopAll(1, 'the edge needs a hub token (or EDGE_API_TOKEN)');
}
runApp(
  'edge-gateway',
  'apps/edge-gateway',
  {
    PORT: '8718',
    INFERENCE_URL: 'http://127.0.0.1:8001',
    CLOUD_URL: CLOUD,
    // The hub token, never the admin's: escalations, cameras and model updates act as this edge.
    EDGE_API_TOKEN: process.env.EDGE_API_TOKEN ?? hub ?? '',
    ...(hub ? { EDGE_HUB_TOKEN: hub } : {}),
  },
  'http://127.0.0.1:8718/health/ready',
);

/**
 * The edge's front door on 30101 (and TLS on 30143 with a self-signed certificate), as on a real edge: nginx
 * from nginx/edge.conf.template with the cloud fallback when nginx is installed, else a plain TCP relay.
 */
function startFrontDoor(): string {
  const nginx = findNginx();
  if (!nginx) {
    createServer((client) => {
      const upstream = connect(8718, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end);
      upstream.on('error', end);
    }).listen(30101, '127.0.0.1');
    return 'nginx is not installed (apt-get install nginx): the gateway is relayed on 30101 directly, no cloud fallback';
  }
  const prefix = join(ioHome, 'nginx');
  const tls = join(prefix, 'tls');
  mkdirSync(tls, { recursive: true });
  const cert = join(tls, 'edge.crt');
  const key = join(tls, 'edge.key');
  if (!existsSync(cert)) selfSignedCert(tls, 825);
  const site = renderTemplate(
    readFileSync(join(root, 'nginx', 'edge.conf.template'), 'utf8'),
    {
      EDGE_HTTP_PORT: '127.0.0.1:30101',
      EDGE_HTTPS_PORT: '127.0.0.1:30143',
      EDGE_GATEWAY_ADDR: '127.0.0.1:8718',
      CLOUD_URL: CLOUD,
      TLS_CERT_FILE: cert,
      TLS_KEY_FILE: key,
      NGINX_RESOLVER: '127.0.0.1',
      NGINX_ACCESS_LOG: join(prefix, 'access.log'),
      CLOUD_CA_FILE: '/etc/ssl/certs/ca-certificates.crt',
    },
    'edge.conf.template',
  );
  const args = writeNginxPrefix(prefix, site, { errorLog: 'warn', workerConnections: 512 });
  run('nginx', args, prefix, {}, { command: nginx, readyUrl: 'http://127.0.0.1:30101/health/ready' });
  return 'nginx on 30101 (TLS 30143, self-signed) with the cloud fallback';
}
const frontDoor = existsSync(join(root, 'apps/edge-gateway/src/main.ts')) ? startFrontDoor() : null;

const ui = join(root, 'apps/review-ui');
if (!existsSync(join(ui, 'dist', 'index.html'))) {
  console.log('  review-ui     building (first start only)…');
  // Asynchronously, so the services' logs keep flowing (a blocked parent would stall their pipes).
  await new Promise<void>((done) => {
    spawn(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: ui,
      stdio: 'inherit',
    }).once('exit', () => done());
  });
}
if (existsSync(join(ui, 'dist', 'index.html'))) {
  run(
    'review-ui',
    [
      join(root, 'node_modules/vite/bin/vite.js'),
      'preview',
      '--port',
      '3000',
      '--strictPort',
      '--host',
      '127.0.0.1',
    ],
    ui,
    { CLOUD_GRAPH_URL: CLOUD },
    { readyUrl: 'http://127.0.0.1:3000/' },
  );
}

if (process.env.IO_DEMO !== '0' && !supervisor.isStopping) {
  try {
    await waitReady('http://127.0.0.1:8718/health/ready', 120);
    const state = await seedDemo({
      root,
      ioHome,
      cloud: CLOUD,
      token: adminToken,
      say: (l) => console.log(`demo | ${l}`),
    });
    const rtspTool = join(root, 'tools', 'rtsp-demo-server.ts');
    const rtsp = spawnSync(process.execPath, ['--import', 'tsx', rtspTool, '--check'], { stdio: 'ignore' });
    let simulated = state;
    if (rtsp.status === 0) {
      run('camera', ['--import', 'tsx', rtspTool, '--port', '8554', '--fps', '5'], root, {});
      simulated = configureDemoStream({ ioHome, state, rtspUrl: 'rtsp://127.0.0.1:8554/street' });
      console.log(
        'demo | the street detector watches rtsp://127.0.0.1:8554/street through the edge camera manager',
      );
    } else {
      console.log(
        'demo | no RTSP server installed (see tools/rtsp-demo-server.ts): the street frames are simulated',
      );
    }
    startSimulatedCamera({
      edge: 'http://127.0.0.1:8718',
      token: adminToken,
      state: simulated,
      say: (l) => console.log(`demo | ${l}`),
    });
    console.log(`demo | detectors: ${state.detectors.map((d) => `"${d.name}" (${d.id})`).join(', ')}`);
    console.log(
      'demo | a simulated camera sends a real frame a second to the edge (IO_DEMO=0 turns the demo off)',
    );
  } catch (e) {
    console.error(`demo | not started: ${e instanceof Error ? e.message : String(e)}`);
  }
}

// One status line per service once it answers its readiness check.
const checks: [string, string][] = [
  ['cloud-graph', `${CLOUD}/health/ready`],
  ['inference', 'http://127.0.0.1:8081/health/ready'],
  ['edge-gateway', 'http://127.0.0.1:8718/health/ready'],
  ['front door', 'http://127.0.0.1:30101/health/ready'],
  ['review-ui', 'http://127.0.0.1:3000/'],
];
const statuses = await Promise.all(
  checks.map(async ([name, url]) => [name, url, await waitReady(url, 120)] as const),
);
for (const [name, url, ok] of statuses) {
  console.log(
    `  ${ok ? '✓' : '✗'} ${name.padEnd(13)} ${ok ? 'ready' : 'NOT ready (see its log above)'}  ${url}`,
  );
}

console.log(`
  review UI        http://127.0.0.1:3000   (sign in with the admin token)
  edge (Groundlight REST)  http://127.0.0.1:30101  GROUNDLIGHT_ENDPOINT for SDK clients (${frontDoor ?? 'not built'})
  cloud GraphQL    ${CLOUD}/graphql
  admin API token  ${adminToken}
A crashed service is restarted; Ctrl-C stops everything; the next start resumes with the same data.`);
