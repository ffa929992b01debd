/**
 * `npm start`: runs the platform on one machine with no external services (the embedded default).
 * Each service is a child process with its own prefixed log stream; Ctrl-C (SIGINT/SIGTERM) stops them all
 * and waits for them to exit. Data lives in $IO_HOME (default: .io-home in the repo), so a second start
 * resumes with the same data. Services whose app is not built yet are listed and skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const ioHome = resolve(process.env.IO_HOME ?? join(root, '.io-home'));
mkdirSync(ioHome, { recursive: true });

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
const adminToken = bootstrapToken();

interface Service {
  name: string;
  app: string;
  env: Record<string, string>;
  url?: string;
}

const services: Service[] = [
  {
    name: 'cloud-graph',
    app: 'apps/cloud-graph',
    // Embedded default: PGlite and a local blob folder under IO_HOME; the training worker runs in-process.
    env: { PORT: '8000', IO_BOOTSTRAP_TOKEN: adminToken },
    url: 'http://127.0.0.1:8000/graphql',
  },
  {
    name: 'inference',
    app: 'apps/inference',
    env: { INFERENCE_PORT: '8001', INFERENCE_HEALTH_PORT: '8081' },
    url: 'http://127.0.0.1:8001/infer',
  },
  {
    name: 'edge-gateway',
    app: 'apps/edge-gateway',
    env: {
      PORT: '8718',
      INFERENCE_URL: 'http://127.0.0.1:8001',
      CLOUD_URL: 'http://127.0.0.1:8000',
      EDGE_API_TOKEN: process.env.EDGE_API_TOKEN ?? adminToken,
    },
    url: 'http://127.0.0.1:8718/device-api/v1',
  },
];

const colours = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m'];
const reset = '\x1b[0m';
const children: { service: Service; child: ChildProcess }[] = [];
let stopping = false;

function prefixLines(name: string, colour: string, chunk: Buffer, out: NodeJS.WriteStream): void {
  for (const line of chunk.toString().split('\n')) {
    if (line.trim()) out.write(`${colour}${name.padEnd(13)}${reset}| ${line}\n`);
  }
}

console.log(`IntelliOptics — data in ${ioHome}`);
services.forEach((service, i) => {
  const main = join(root, service.app, 'src', 'main.ts');
  if (!existsSync(main)) {
    console.log(`  ${service.name.padEnd(13)} not built yet (${service.app})`);
    return;
  }
  const colour = colours[i % colours.length]!;
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    cwd: join(root, service.app),
    env: { ...process.env, IO_HOME: ioHome, ...service.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c: Buffer) => prefixLines(service.name, colour, c, process.stdout));
  child.stderr.on('data', (c: Buffer) => prefixLines(service.name, colour, c, process.stderr));
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${service.name} exited (${code ?? signal}); stopping the rest`);
    void stopAll(stopping ? 0 : 1);
  });
  children.push({ service, child });
  console.log(`  ${service.name.padEnd(13)} starting → ${service.url ?? ''}`);
});

console.log(`  admin API token: ${adminToken}  (x-api-token header; GROUNDLIGHT_API_TOKEN for SDK clients)`);

if (children.length === 0) {
  console.log('Nothing to run yet: no service is built. `npm test` runs what exists.');
  process.exit(0);
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
