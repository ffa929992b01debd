/**
 * Test harness: a real nginx (Debian's, `apt-get install nginx`) in the foreground with every path under a
 * temp prefix (tools/render-nginx.ts lays it out, as `npm start` does), on free ports, plus small node:http
 * servers that record what they receive.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  findNginx,
  renderTemplate,
  selfSignedCert as makeCert,
  writeNginxPrefix,
} from '../../tools/render-nginx';

export const NGINX_DIR = resolve(import.meta.dirname, '..');

export function nginxBinary(): string {
  const nginx = findNginx();
  if (!nginx) {
    throw new Error(
      'nginx is not installed: apt-get install -y nginx (Debian 1.22.1 is what these tests use)',
    );
  }
  return nginx;
}

/** A port nobody listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      srv.close(() => resolvePort(addr.port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((done) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        done(true);
      });
      sock.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface Recorder {
  port: number;
  requests: Recorded[];
  server: Server;
  close(): Promise<void>;
}

export type Handler = (req: Recorded, res: ServerResponse) => void;

/** A node:http server that records every request (with its full body) before handing it to `handler`. */
export async function startRecorder(handler: Handler, port = 0): Promise<Recorder> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(rec);
      handler(rec, res);
    });
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('recorder has no port');
  return {
    port: addr.port,
    requests,
    server,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export interface NginxInstance {
  prefix: string;
  accessLog: string;
  stderr: () => string;
  stop(): Promise<void>;
}

/** `nginx -t` on a rendered snippet: returns nginx's exit status and output. */
export function testConfig(snippet: string): { status: number | null; output: string } {
  const { prefix, args } = writePrefix(snippet);
  const r = spawnSync(nginxBinary(), ['-t', ...args], { encoding: 'utf8' });
  rmSync(prefix, { recursive: true, force: true });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function writePrefix(snippet: string): { prefix: string; args: string[] } {
  const prefix = mkdtempSync(join(tmpdir(), 'io-nginx-'));
  // Run as root, nginx's workers are `nobody`: they must be able to reach the temp dirs.
  chmodSync(prefix, 0o755);
  const args = writeNginxPrefix(prefix, snippet, {
    errorLog: 'notice',
    workerConnections: 256,
    accessLogOff: true,
  });
  return { prefix, args };
}

/**
 * Render `templateFile` with `env`, start nginx in the foreground, wait until `ports` accept connections.
 * `edit` changes the rendered config first (a test that proves a rule matters removes part of it).
 */
export async function startNginx(
  templateFile: string,
  env: Record<string, string>,
  ports: number[],
  edit: (config: string) => string = (c) => c,
): Promise<NginxInstance> {
  const snippet = edit(
    renderTemplate(readFileSync(join(NGINX_DIR, templateFile), 'utf8'), env, templateFile),
  );
  const { prefix, args } = writePrefix(snippet);
  let err = '';
  const child: ChildProcess = spawn(nginxBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    await Promise.race([
      Promise.all(ports.map((p) => waitForPort(p))),
      exited.then(() => {
        throw new Error(`nginx exited at start:\n${err}`);
      }),
    ]);
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    rmSync(prefix, { recursive: true, force: true });
    throw e;
  }
  return {
    prefix,
    accessLog: env.NGINX_ACCESS_LOG ?? '',
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/** A throw-away self-signed certificate for the TLS listener. */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  return makeCert(dir, 2);
}

export interface HttpResult {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** One request through node:http (fetch cannot send a body with every method, and hides some statuses). */
export async function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<HttpResult> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((done, reject) => {
    const req = send(
      url,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        rejectUnauthorized: false,
        agent: false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
