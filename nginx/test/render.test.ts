/** tools/render-nginx.ts: strict `${VAR}` rendering, and both templates accepted by `nginx -t`. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RenderError, renderTemplate, templateVariables } from '../../tools/render-nginx';
import { NGINX_DIR, selfSignedCert, testConfig } from './harness';

const ROOT = resolve(NGINX_DIR, '..');
const edge = readFileSync(join(NGINX_DIR, 'edge.conf.template'), 'utf8');
const cloud = readFileSync(join(NGINX_DIR, 'cloud.conf.template'), 'utf8');

const EDGE_ENV = {
  EDGE_HTTP_PORT: '30101',
  EDGE_HTTPS_PORT: '30143',
  EDGE_GATEWAY_ADDR: '127.0.0.1:8718',
  CLOUD_URL: 'https://cloud.example.com',
  TLS_CERT_FILE: '/etc/ssl/certs/ssl-cert-snakeoil.pem',
  TLS_KEY_FILE: '/etc/ssl/private/ssl-cert-snakeoil.key',
  NGINX_RESOLVER: '127.0.0.11',
  NGINX_ACCESS_LOG: '/dev/stdout',
  CLOUD_CA_FILE: '/etc/ssl/certs/ca-certificates.crt',
};

describe('renderTemplate', () => {
  it('replaces ${VAR} and leaves nginx variables alone', () => {
    const out = renderTemplate('listen ${PORT}; proxy_set_header Host $http_host; set $x "${URL}";', {
      PORT: '80',
      URL: 'http://c',
    });
    expect(out).toBe('listen 80; proxy_set_header Host $http_host; set $x "http://c";');
  });

  it('lists every missing or empty variable at once', () => {
    let caught: unknown;
    try {
      renderTemplate('${A} ${B} ${C} ${A}', { B: '' }, 'x.template');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RenderError);
    expect((caught as RenderError).problems).toEqual([
      'A is not set (referenced as ${A})',
      'B is not set (referenced as ${B})',
      'C is not set (referenced as ${C})',
    ]);
    expect((caught as Error).message).toContain('cannot render x.template');
  });

  it('refuses lower-case placeholders (those are nginx variables) and line breaks in values', () => {
    expect(() => renderTemplate('${host}', { host: 'x' })).toThrow(/UPPER_SNAKE_CASE/);
    expect(() => renderTemplate('${A}', { A: 'a\nb' })).toThrow(/line break/);
  });

  it('knows the variables of each template', () => {
    expect(templateVariables(edge).sort()).toEqual(Object.keys(EDGE_ENV).sort());
    expect(templateVariables(cloud).sort()).toEqual(
      ['CLOUD_GRAPH_ADDR', 'CLOUD_HTTP_PORT', 'NGINX_ACCESS_LOG', 'UI_ROOT'].sort(),
    );
  });

  it('the CLI exits 1 with a clear message on a missing variable, and renders with -o', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'io-render-cli-')), 'cloud.conf');
    const cli = (env: Record<string, string>, ...extra: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', 'tools/render-nginx.ts', 'nginx/cloud.conf.template', ...extra],
        { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } },
      );
    const bad = cli({ CLOUD_HTTP_PORT: '80' }, '-o', out);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('CLOUD_GRAPH_ADDR is not set');
    expect(bad.stderr).toContain('UI_ROOT is not set');
    expect(existsSync(out)).toBe(false);
    const good = cli(
      {
        CLOUD_HTTP_PORT: '80',
        CLOUD_GRAPH_ADDR: 'cloud-graph:8000',
        UI_ROOT: '/usr/share/nginx/html',
        NGINX_ACCESS_LOG: '/dev/stdout',
      },
      '-o',
      out,
    );
    expect(good.status).toBe(0);
    const rendered = readFileSync(out, 'utf8');
    expect(rendered).toContain('server cloud-graph:8000;');
    expect(rendered).not.toMatch(/\$\{[A-Z_]+\}/);
    rmSync(dirname(out), { recursive: true, force: true });
  });
});

describe('nginx -t', () => {
  let dir: string;
  let tls: { cert: string; key: string };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'io-render-'));
    tls = selfSignedCert(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the rendered edge template', () => {
    const r = testConfig(
      renderTemplate(edge, {
        ...EDGE_ENV,
        TLS_CERT_FILE: tls.cert,
        TLS_KEY_FILE: tls.key,
        NGINX_ACCESS_LOG: join(dir, 'edge.log'),
      }),
    );
    expect(r.output).toContain('syntax is ok');
    expect(r.status).toBe(0);
  });

  it('accepts the rendered cloud template', () => {
    const r = testConfig(
      renderTemplate(cloud, {
        CLOUD_HTTP_PORT: '127.0.0.1:30180',
        CLOUD_GRAPH_ADDR: '127.0.0.1:8000',
        UI_ROOT: '/usr/share/nginx/html',
        NGINX_ACCESS_LOG: join(dir, 'cloud.log'),
      }),
    );
    expect(r.output).toContain('syntax is ok');
    expect(r.status).toBe(0);
  });

  it('rejects a broken rendering (the check can fail)', () => {
    const r = testConfig(
      renderTemplate(cloud.replace('proxy_read_timeout 1h;', 'proxy_read_timeout;'), {
        CLOUD_HTTP_PORT: '127.0.0.1:30180',
        CLOUD_GRAPH_ADDR: '127.0.0.1:8000',
        UI_ROOT: '/tmp',
        NGINX_ACCESS_LOG: '/dev/stdout',
      }),
    );
    expect(r.status).not.toBe(0);
  });
});

describe('the official nginx image path (envsubst with NGINX_ENVSUBST_FILTER)', () => {
  // The same commands as /docker-entrypoint.d/20-envsubst-on-templates.sh in the official nginx image.
  const officialEnvsubst = (template: string, filter: string, env: Record<string, string>) =>
    spawnSync(
      'sh',
      [
        '-c',
        'defined_envs=$(printf \'${%s} \' $(awk "END { for (name in ENVIRON) { print ( name ~ /${NGINX_ENVSUBST_FILTER}/ ) ? name : \\"\\" } }" < /dev/null )); envsubst "$defined_envs" < "$1"',
        'sh',
        join(NGINX_DIR, template),
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NGINX_ENVSUBST_FILTER: filter, ...env },
      },
    );

  for (const [image, template] of [
    ['nginx-edge', 'edge.conf.template'],
    ['review-ui', 'cloud.conf.template'],
  ] as const) {
    it(`docker/Dockerfile's ${image} stage renders ${template} exactly like tools/render-nginx.ts`, () => {
      const dockerfile = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
      const stage = dockerfile
        .split(/^(?=FROM )/m)
        .find((s) => new RegExp(`^FROM \\S+ AS ${image}\\s*$`, 'm').test(s.split('\n')[0]!));
      expect(stage).toBeDefined();
      const filter = /NGINX_ENVSUBST_FILTER="([^"]+)"/.exec(stage!)?.[1];
      expect(filter).toBeDefined();
      const text = readFileSync(join(NGINX_DIR, template), 'utf8');
      const env = Object.fromEntries(templateVariables(text).map((n) => [n, `value-of-${n}`]));
      // Lower-case and unrelated variables in the container environment must not reach the config.
      const noise = {
        http_host: 'evil',
        remote_addr: 'evil',
        request_id: 'evil',
        HOME: '/root',
        HOSTNAME: 'abc',
      };
      const r = officialEnvsubst(template, filter!, { ...noise, ...env });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(renderTemplate(text, env));
      expect(r.stdout).toContain('$http_host');
    });
  }
});
