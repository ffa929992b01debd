/**
 * Renders an nginx template: every `${NAME}` placeholder (NAME in UPPER_SNAKE case) is replaced by the value of
 * the environment variable NAME. nginx's own variables (`$host`, `$upstream_status`, ...) are lower case and
 * never written with braces in our templates, so they are left alone. A placeholder whose variable is unset
 * or empty is an error: every missing name is listed at once and nothing is written.
 *
 * This is the same substitution the official nginx image performs at container start (envsubst over
 * /etc/nginx/templates/*.template, limited by NGINX_ENVSUBST_FILTER); use this script outside containers.
 *
 *   tsx tools/render-nginx.ts nginx/edge.conf.template [-o out.conf]   (stdout without -o)
 *   tsx tools/render-nginx.ts --list nginx/edge.conf.template            (the variables a template needs)
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const NAME = /^[A-Z_][A-Z0-9_]*$/;

export class RenderError extends Error {
  constructor(
    readonly template: string,
    readonly problems: string[],
  ) {
    super(`cannot render ${template}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RenderError';
  }
}

/** The distinct variable names a template references, in order of first use. */
export function templateVariables(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** Substitute every `${NAME}`; throws RenderError listing each unset/empty variable or invalid name. */
export function renderTemplate(
  text: string,
  env: Record<string, string | undefined>,
  templateName = 'template',
): string {
  const problems: string[] = [];
  for (const name of templateVariables(text)) {
    if (!NAME.test(name)) {
      problems.push(
        `\${${name}}: placeholders must be UPPER_SNAKE_CASE environment variables (write nginx variables as $${name})`,
      );
    } else if (env[name] === undefined || env[name] === '') {
      problems.push(`${name} is not set (referenced as \${${name}})`);
    } else if (/[\r\n]/.test(env[name])) {
      problems.push(`${name} contains a line break`);
    }
  }
  if (problems.length > 0) throw new RenderError(templateName, problems);
  return text.replace(PLACEHOLDER, (_whole, name: string) => env[name]!);
}

/** Debian's or a local nginx binary, or null when nginx is not installed. */
export function findNginx(): string | null {
  return ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? null;
}

export interface NginxPrefixOptions {
  /** nginx's own log level on stderr. */
  errorLog: 'warn' | 'notice';
  workerConnections: number;
  /** Turns the access log off unless the site sets its own. */
  accessLogOff?: boolean;
}

/**
 * Lays out a self-contained nginx prefix: `site.conf` (a rendered template, included inside http{} exactly as
 * the official image's conf.d would be), an nginx.conf around it in the foreground, and every temp path under
 * the prefix so nothing touches /var. Returns the arguments that start nginx on it.
 */
export function writeNginxPrefix(prefix: string, site: string, options: NginxPrefixOptions): string[] {
  for (const d of ['tmp', 'tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) {
    mkdirSync(join(prefix, d), { recursive: true });
    // nginx's workers run as nobody when started as root: they write request bodies here.
    chmodSync(join(prefix, d), 0o777);
  }
  writeFileSync(join(prefix, 'site.conf'), site);
  writeFileSync(
    join(prefix, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${prefix}/nginx.pid;`,
      `error_log stderr ${options.errorLog};`,
      `events { worker_connections ${options.workerConnections}; }`,
      'http {',
      '  include /etc/nginx/mime.types;',
      ...(options.accessLogOff ? ['  access_log off;'] : []),
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
  return ['-e', 'stderr', '-c', join(prefix, 'nginx.conf'), '-p', prefix];
}

/** A self-signed certificate for CN=localhost (openssl CLI) as `edge.crt`/`edge.key` in `dir`. */
export function selfSignedCert(dir: string, days: number): { cert: string; key: string } {
  const cert = join(dir, 'edge.crt');
  const key = join(dir, 'edge.key');
  const subject = ['-subj', '/CN=localhost', '-days', String(days)];
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', ...subject, '-keyout', key, '-out', cert],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    throw new Error(
      `openssl could not make a certificate: ${r.stderr || (r.error?.message ?? `exit ${r.status}`)}`,
    );
  }
  return { cert, key };
}

function main(argv: string[]): number {
  const args = [...argv];
  const list = args[0] === '--list';
  if (list) args.shift();
  const outIndex = args.findIndex((a) => a === '-o' || a === '--out');
  let out: string | undefined;
  if (outIndex >= 0) {
    out = args[outIndex + 1];
    args.splice(outIndex, 2);
  }
  const template = args[0];
  if (!template || args.length !== 1 || (outIndex >= 0 && !out)) {
    console.error('usage: tsx tools/render-nginx.ts [--list] <file.template> [-o <out.conf>]');
    return 2;
  }
  const text = readFileSync(resolve(template), 'utf8');
  if (list) {
    console.log(templateVariables(text).join('\n'));
    return 0;
  }
  try {
    const rendered = renderTemplate(text, process.env, template);
    if (out) writeFileSync(resolve(out), rendered);
    else process.stdout.write(rendered);
    return 0;
  } catch (err) {
    if (err instanceof RenderError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
