/**
 * `npm start`: runs the platform on one machine with no external services (the embedded default):
 * cloud-graph on embedded PGlite with a local blob folder and the training worker in-process, the inference
 * service, the edge gateway (registered with the cloud as a hub), and the review UI (built on first start,
 * served by `vite preview`, which proxies /graphql to the cloud). Each service is a child process with
 * prefixed logs; Ctrl-C stops them all. Data lives in $IO_HOME (default: .io-home in the repo), so a second
 * start resumes with the same data.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer, connect } from 'node:net';
import { configureDemoStream, seedDemo, startSimulatedCamera } from './demo';
import { renderTemplate } from './render-nginx';

const root = resolve(import.meta.dirname, '..');
const ioHome = resolve(process.env.IO_HOME ?? join(root, '.io-home'));
mkdirSync(ioHome, { recursive: true });
const CLOUD = 'http://127.0.0.1:8000';

const colours = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m'];
const reset = '\x1b[0m';
const children: { name: string; child: ChildProcess }[] = [];
let stopping = false;

/**
 * The admin API token: IO_BOOTSTRAP_TOKEN if given, else one made at the first start and kept in IO_HOME so a
 * second start resumes with the same token. The cloud creates the admin user with it; the edge uses it too.
 */
function bootstrapToken(): string {
  if (process.env.IO_BOOTSTRAP_TOKEN) return process.env.IO_BOOTSTRAP_TOKEN;
  const file = join(ioHome, 'bootstrap-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `io_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

function prefixLines(name: string, colour: string, chunk: Buffer, out: NodeJS.WriteStream): void {
  for (const line of chunk.toString().split('\n')) {
    if (line.trim()) out.write(`${colour}${name.padEnd(13)}${reset}| ${line}\n`);
  }
}

function run(
  name: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  command: string = process.execPath,
): void {
  const colour = colours[children.length % colours.length]!;
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, IO_HOME: ioHome, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c: Buffer) => prefixLines(name, colour, c, process.stdout));
  child.stderr.on('data', (c: Buffer) => prefixLines(name, colour, c, process.stderr));
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited (${code ?? signal}); stopping the rest`);
    void stopAll(stopping ? 0 : 1);
  });
  children.push({ name, child });
}

function runApp(name: string, app: string, env: Record<string, string>): boolean {
  const main = join(root, app, 'src', 'main.ts');
  if (!existsSync(main)) {
    console.log(`  ${name.padEnd(13)} not built yet (${app})`);
    return false;
  }
  run(name, ['--import', 'tsx', main], join(root, app), env);
  return true;
}

async function waitReady(url: string, seconds: number): Promise<boolean> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end && !stopping) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/** A hub token for the edge, registered once with the admin token and kept in IO_HOME. */
async function hubToken(admin: string): Promise<string | null> {
  const file = join(ioHome, 'hub-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const res = await fetch(`${CLOUD}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-token': admin },
    body: JSON.stringify({
      query: 'mutation($name: String!) { registerHub(name: $name) { ok token error { message } } }',
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

async function stopAll(exitCode: number): Promise<void> {
  if (stopping && exitCode !== 0) return;
  stopping = true;
  const alive = children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
  await Promise.all(
    alive.map(
      ({ child }) =>
        new Promise<void>((done) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

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

if (runApp('cloud-graph', 'apps/cloud-graph', { PORT: '8000', IO_BOOTSTRAP_TOKEN: adminToken })) {
  console.log('  cloud-graph   starting (embedded PostgreSQL, local blobs, training worker)…');
  if (!(await waitReady(`${CLOUD}/health/ready`, 180))) {
    console.error('cloud-graph did not become ready within 180 s; see its log above');
    await stopAll(1);
  }
}
runApp('inference', 'apps/inference', { INFERENCE_PORT: '8001', INFERENCE_HEALTH_PORT: '8081' });
const hub = await hubToken(adminToken).catch(() => null);
runApp('edge-gateway', 'apps/edge-gateway', {
  PORT: '8718',
  INFERENCE_URL: 'http://127.0.0.1:8001',
  CLOUD_URL: CLOUD,
  EDGE_API_TOKEN: process.env.EDGE_API_TOKEN ?? adminToken,
  ...(hub ? { EDGE_HUB_TOKEN: hub } : {}),
});

/**
 * The edge's front door on 30101 (and TLS on 30143 with a self-signed certificate), as on a real edge: nginx
 * from nginx/edge.conf.template with the cloud fallback when nginx is installed, else a plain TCP relay.
 */
function startFrontDoor(): string {
  const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
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
  for (const d of ['tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi', 'tls']) {
    mkdirSync(join(prefix, d), { recursive: true });
    // nginx's workers run as nobody when started as root: they write request bodies here.
    if (d.startsWith('tmp/')) chmodSync(join(prefix, d), 0o777);
  }
  const cert = join(prefix, 'tls', 'edge.crt');
  const key = join(prefix, 'tls', 'edge.key');
  if (!existsSync(cert)) {
    spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '825',
        '-subj',
        '/CN=localhost',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
  }
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
  writeFileSync(join(prefix, 'site.conf'), site);
  writeFileSync(
    join(prefix, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${prefix}/nginx.pid;`,
      'error_log stderr warn;',
      'events { worker_connections 512; }',
      'http {',
      '  include /etc/nginx/mime.types;',
      `  client_body_temp_path ${prefix}/tmp/body;`,
      `  proxy_temp_path ${prefix}/tmp/proxy;`,
      `  fastcgi_temp_path ${prefix}/tmp/fastcgi;`,
      `  uwsgi_temp_path ${prefix}/tmp/uwsgi;`,
      `  scgi_temp_path ${prefix}/tmp/scgi;`,
      `  include ${prefix}/site.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  run('nginx', ['-e', 'stderr', '-c', join(prefix, 'nginx.conf'), '-p', prefix], prefix, {}, nginx);
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
  );
}

if (process.env.IO_DEMO !== '0' && !stopping) {
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
Ctrl-C stops everything; the next start resumes with the same data.`);
