/**
 * Deployment files, checked statically (no Docker engine here): tools/check-compose.ts over the real compose
 * files and Dockerfiles must find nothing, and each check must catch the mistake it exists for.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ROOT,
  checkAll,
  checkComposeFile,
  composeConfig,
  composeFiles,
  composeVariables,
  dockerfileTargets,
  dockerfiles,
  workspaceDirs,
  dockerignoreAllows,
  interpolate,
  lintDockerfile,
  workspaceLibs,
} from '../../tools/check-compose';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'io-compose-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function replaceOnce(text: string, from: string, to: string): string {
  expect(text, `fixture must contain ${JSON.stringify(from)}`).toContain(from);
  return text.replace(from, to);
}

describe('the real deployment files', () => {
  it('has the three compose files and one Dockerfile', () => {
    expect(composeFiles().map((c) => c.file)).toEqual([
      'docker/compose.cloud-api.yml',
      'docker/compose.cloud.yml',
      'docker/compose.edge.yml',
    ]);
    expect(dockerfiles()).toEqual(['docker/Dockerfile']);
  });

  it('pass every check, docker-compose config included', () => {
    expect(checkAll(ROOT, true)).toEqual([]);
  });

  it('docker-compose v1 is installed (apt-get install -y docker-compose) and rejects an invalid file', () => {
    const bad = join(tmp, 'bad.yml');
    writeFileSync(
      bad,
      replaceOnce(read('docker/compose.edge.yml'), '      interval: 10s', '      intervall: 10s'),
    );
    const result = composeConfig(bad, join(ROOT, 'docker/edge.env.template'));
    expect(result, 'docker-compose not found').not.toBeNull();
    expect(result!.ok).toBe(false);
    expect(result!.output).toContain('intervall');
    const good = composeConfig(join(ROOT, 'docker/compose.edge.yml'), join(ROOT, 'docker/edge.env.template'));
    expect(good).toEqual({ ok: true, output: '' });
  });
});

describe('checkComposeFile catches', () => {
  const file = 'docker/compose.edge.yml';
  const text = read(file);
  const envTemplate = read('docker/edge.env.template');
  const check = (t: string, e = envTemplate) => checkComposeFile({ file, text: t, envTemplate: e });

  it('nothing on the real file', () => {
    expect(check(text)).toEqual([]);
  });

  it('a service without a healthcheck', () => {
    const t = replaceOnce(text, '    healthcheck:\n      test: [', '    x-healthcheck:\n      test: [');
    expect(check(t)).toContain(`${file}: service nginx: needs a healthcheck`);
  });

  it('depends_on a missing service, and waiting for health of a service without healthcheck', () => {
    expect(
      check(replaceOnce(text, '      edge-gateway:\n        condition', '      gateway:\n        condition')),
    ).toContain(`${file}: service nginx: depends_on gateway is not a service`);
    const noHc = text.replace(/^ {2}inference:\n[\s\S]*?(?=\nvolumes:)/m, (block) =>
      block.replace('    healthcheck:', '    x-hc:'),
    );
    const withHealthy = replaceOnce(noHc, 'condition: service_started', 'condition: service_healthy');
    expect(check(withHealthy)).toContain(
      `${file}: service edge-gateway: waits for inference to be healthy but inference has no healthcheck`,
    );
  });

  it('an undeclared named volume and a declared unused one', () => {
    const t = replaceOnce(text, '      - grafana-data:/var/lib/grafana', '      - grafana:/var/lib/grafana');
    const problems = check(t);
    expect(problems).toContain(
      `${file}: service grafana: named volume grafana is not declared under volumes`,
    );
    expect(problems).toContain(`${file}: volume grafana-data is declared but not used`);
  });

  it('a host port published twice', () => {
    const t = replaceOnce(
      text,
      "'${EDGE_HTTPS_HOST_PORT:-30143}:30143'",
      "'${EDGE_HTTPS_HOST_PORT:-30101}:30143'",
    );
    expect(check(t)).toContain(`${file}: service nginx: host port 30101 is also published by nginx`);
  });

  it('an undocumented variable and a documented unused one', () => {
    const t = replaceOnce(text, 'LOG_LEVEL: ${LOG_LEVEL:-info}', 'LOG_LEVEL: ${EDGE_LOG_LEVEL:-info}');
    const problems = check(t);
    expect(problems).toContain(`${file}: \${EDGE_LOG_LEVEL} is not documented in the env template`);
    expect(check(text, `${envTemplate}\n# UNUSED_THING=1\n`)).toEqual([
      `${file}: UNUSED_THING is documented but not used`,
    ]);
  });

  it('a latest or missing image tag', () => {
    expect(check(text, envTemplate.replace('IO_VERSION=0.1.0', 'IO_VERSION=latest'))).toContain(
      `${file}: service nginx: image \${IO_IMAGE_PREFIX:-intellioptics}/nginx-edge:\${IO_VERSION:?set IO_VERSION in edge.env} uses the latest tag`,
    );
    const cloud = read('docker/compose.cloud.yml');
    const problems = checkComposeFile({
      file: 'docker/compose.cloud.yml',
      text: replaceOnce(cloud, 'image: postgres:15.14-bookworm', 'image: postgres'),
      envTemplate: read('docker/cloud.env.template'),
    });
    expect(problems).toContain('docker/compose.cloud.yml: service postgres: image postgres has no tag');
  });

  it('a build whose Dockerfile or target does not exist', () => {
    const t = replaceOnce(text, 'dockerfile: docker/Dockerfile', 'dockerfile: docker/Dockerfil');
    expect(check(t)).toContain(`${file}: service nginx: Dockerfile docker/Dockerfil does not exist`);
    const u = replaceOnce(text, 'target: inference', 'target: inferense');
    expect(check(u).join('\n')).toContain(
      'service inference: target inferense is not an image of docker/Dockerfile (edge-gateway, inference',
    );
  });

  it('environment an app does not read, and nginx environment its template does not use', () => {
    const t = replaceOnce(text, "      PORT: '8718'", "      PORT: '8718'\n      GATEWAY_PORT: '8718'");
    expect(check(t)).toContain(`${file}: service edge-gateway: apps/edge-gateway does not read GATEWAY_PORT`);
    const n = replaceOnce(
      text,
      '      CLOUD_URL: ${CLOUD_URL:?set CLOUD_URL in edge.env}\n    volumes:\n      - ${EDGE_TLS_DIR',
      '      CLOUD_BASE: ${CLOUD_URL:?set CLOUD_URL in edge.env}\n    volumes:\n      - ${EDGE_TLS_DIR',
    );
    expect(check(n)).toContain(
      `${file}: service nginx: CLOUD_BASE is not a variable of nginx/edge.conf.template`,
    );
  });

  it('the worker (image only) is checked against cloud-graph and must not depend on a profile-only service', () => {
    const f = 'docker/compose.cloud.yml';
    const cloud = read(f);
    const env = read('docker/cloud.env.template');
    expect(checkComposeFile({ file: f, text: cloud, envTemplate: env })).toEqual([]);
    const workerAt = cloud.indexOf('  worker:');
    const t =
      cloud.slice(0, workerAt) +
      replaceOnce(
        cloud.slice(workerAt),
        "      PORT: '8000'",
        "      PORT: '8000'\n      WORKER_THREADS: '2'",
      );
    expect(checkComposeFile({ file: f, text: t, envTemplate: env }).join('\n')).toContain(
      'service worker: apps/cloud-graph does not read WORKER_THREADS',
    );
    const dep = replaceOnce(
      cloud,
      '      redis:\n        condition: service_healthy\n    healthcheck',
      '      azurite:\n        condition: service_healthy\n    healthcheck',
    );
    expect(checkComposeFile({ file: f, text: dep, envTemplate: env }).join('\n')).toContain(
      'depends on azurite, which only runs in profile(s) azurite',
    );
  });
});

describe('lintDockerfile catches', () => {
  const file = 'docker/Dockerfile';
  const text = read(file);
  const ignoreText = read(`${file}.dockerignore`);
  const lint = (t: string, i = ignoreText) => lintDockerfile({ file, text: t, ignoreText: i });
  const edge = `${file}: target edge-gateway:`;

  it('nothing on the real file, whose images are its five targets', () => {
    expect(lint(text)).toEqual([]);
    expect(dockerfileTargets(text)).toEqual([
      'edge-gateway',
      'inference',
      'cloud-graph',
      'review-ui',
      'nginx-edge',
    ]);
  });

  it('a missing or root USER', () => {
    expect(lint(replaceOnce(text, 'USER node\n', ''))).toContain(
      `${edge} the final stage has no USER (it would run as root)`,
    );
    expect(lint(replaceOnce(text, 'USER node\n', 'USER root\n'))).toContain(
      `${edge} the final stage runs as root`,
    );
  });

  it('a missing HEALTHCHECK, and curl in a node image', () => {
    const noHc = text.replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, '');
    expect(lint(noHc)).toContain(`${edge} the final stage has no HEALTHCHECK`);
    const curl = text.replace(
      /CMD \["node", "-e", "fetch[^\n]*/,
      'CMD curl -f http://127.0.0.1:8718/health/ready',
    );
    expect(lint(curl)).toContain(`${edge} node images have no curl: use node fetch`);
  });

  it('a latest or untagged base image', () => {
    expect(
      lint(replaceOnce(text, 'ARG NODE_IMAGE=node:20.20.2-bookworm-slim', 'ARG NODE_IMAGE=node:latest')),
    ).toContain(`${file}: FROM node:latest: never use the latest tag`);
    expect(
      lint(replaceOnce(text, 'ARG NODE_IMAGE=node:20.20.2-bookworm-slim', 'ARG NODE_IMAGE=node')),
    ).toContain(`${file}: FROM node: pin a tag`);
  });

  it('npm in a single-stage build, and without ONNXRUNTIME_NODE_INSTALL=skip', () => {
    const single =
      'FROM node:20.20.2-bookworm-slim\nRUN npm ci\nUSER node\nHEALTHCHECK CMD ["node","-e","1"]\n';
    const problems = lintDockerfile({ file: 'x/Dockerfile', text: single });
    expect(problems).toContain('x/Dockerfile: npm runs in the image: use a multi-stage build');
    expect(problems).toContain(
      'x/Dockerfile: npm runs in the final stage: install in a build stage and COPY the result',
    );
    expect(problems).toContain('x/Dockerfile: set ONNXRUNTIME_NODE_INSTALL=skip');
  });

  it('npm in a shared stage an image builds on', () => {
    const t = replaceOnce(
      text,
      'COPY tsconfig.base.json ./\nRUN install -d',
      'COPY tsconfig.base.json ./\nRUN io-npm-install apps/edge-gateway\nRUN install -d',
    );
    const problems = lint(t);
    for (const target of ['edge-gateway', 'inference', 'cloud-graph']) {
      expect(problems).toContain(
        `${file}: target ${target}: npm runs in the final stage: install in a build stage and COPY the result`,
      );
    }
    expect(problems.join('\n')).not.toContain('target review-ui');
  });

  it('an npm stage that does not see every workspace package.json (the lock would not match)', () => {
    expect(workspaceDirs()).toEqual(
      expect.arrayContaining(['apps/cloud-graph', 'deploy', 'libs/http', 'tools/cli']),
    );
    const problems = lint(replaceOnce(text, 'COPY deploy/package.json deploy/\n', ''));
    expect(problems).toContain(
      `${file}: stage deps-edge-gateway runs npm without deploy/package.json: COPY it in the manifests stage`,
    );
    expect(problems).toContain(
      `${file}: stage review-ui-build runs npm without deploy/package.json: COPY it in the manifests stage`,
    );
  });

  it('a workspace library the app needs but the image does not copy, or a deps stage of another app', () => {
    expect(workspaceLibs('edge-gateway')).toEqual(expect.arrayContaining(['decision', 'schema']));
    const t = replaceOnce(text, 'COPY libs/decision libs/decision\n', '');
    expect(lint(t)).toContain(
      `${edge} apps/edge-gateway depends on libs/decision: COPY libs/decision into the final stage`,
    );
    const u = replaceOnce(text, 'COPY libs/decision/package.json libs/decision/\n', '');
    expect(lint(u)).toContain(
      `${edge} apps/edge-gateway depends on libs/decision: COPY libs/decision/package.json before npm ci`,
    );
    const v = replaceOnce(
      text,
      'COPY --from=deps-edge-gateway /app ./',
      'COPY --from=deps-inference /app ./',
    );
    expect(lint(v)).toContain(`${edge} stage deps-inference does not install apps/edge-gateway`);
  });

  it('a COPY source that is missing or excluded by the .dockerignore', () => {
    expect(lint(replaceOnce(text, 'COPY tsconfig.base.json ./', 'COPY tsconfig.nope.json ./'))).toContain(
      `${file}: COPY tsconfig.nope.json: no such file in the build context`,
    );
    expect(lint(text, ignoreText.replace('!libs/decision\n', ''))).toContain(
      `${file}: COPY libs/decision: excluded by the .dockerignore`,
    );
    expect(lint(text, ignoreText.replace('**/node_modules\n', ''))).toContain(
      `${file}: .dockerignore must exclude **/node_modules (host installs would overwrite the image)`,
    );
  });

  it('every real Dockerfile is linted clean', () => {
    for (const f of dockerfiles()) {
      expect(lintDockerfile({ file: f, text: read(f), ignoreText: read(`${f}.dockerignore`) }), f).toEqual(
        [],
      );
    }
  });
});

describe('what the images promise', () => {
  const text = read('docker/Dockerfile');
  const stage = (name: string) => {
    const from = text.indexOf(` AS ${name}\n`);
    expect(from, name).toBeGreaterThan(0);
    const next = text.indexOf('\nFROM ', from);
    return text.slice(from, next === -1 ? undefined : next);
  };

  it('the edge image installs ffmpeg (cameras) and checks it runs', () => {
    expect(stage('edge-gateway')).toMatch(
      /apt-get install -y --no-install-recommends ffmpeg[\s\S]*ffmpeg -hide_banner -version/,
    );
  });

  it('inference and cloud-graph convert their models at build time, as the node user, and start in seconds', () => {
    for (const name of ['inference', 'cloud-graph']) {
      const s = stage(name);
      const prepare = s.indexOf('RUN npm run prepare-models -w libs/vision');
      expect(prepare, name).toBeGreaterThan(0);
      expect(s.indexOf('USER node'), name).toBeLessThan(prepare);
      expect(s, name).toContain('--start-period=30s');
    }
    expect(stage('node-runtime')).toContain('IO_CACHE_DIR=/app/.cache/vision');
  });

  it('the prepare-models step the images run prepares the fp32 and int8 backbones and the COCO detector', () => {
    // The repository's model cache: a warm cache makes this a check of the script, not a 10-minute conversion
    // (the conversions themselves are tested in libs/vision).
    const r = spawnSync('npm', ['run', '--silent', 'prepare-models', '-w', 'libs/vision'], {
      encoding: 'utf8',
      cwd: ROOT,
    });
    expect(r.status, r.stderr).toBe(0);
    for (const name of ['backbone fp32', 'backbone int8', 'coco detector'])
      expect(r.stdout).toMatch(new RegExp(`^${name}: [0-9a-f]{16}… \\S+\\.onnx`, 'm'));
  });
});

describe('what the compose files promise', () => {
  const edge = parse(read('docker/compose.edge.yml'), { merge: true }) as ComposeDoc;
  const cloud = parse(read('docker/compose.cloud.yml'), { merge: true }) as ComposeDoc;
  const api = parse(read('docker/compose.cloud-api.yml'), { merge: true }) as ComposeDoc;

  it('the cloud runs Redis by default, and cloud-graph and the worker use it and wait for it', () => {
    for (const doc of [cloud, api]) {
      expect(doc.services.redis?.profiles).toBeUndefined();
      for (const name of ['cloud-graph', 'worker']) {
        const s = doc.services[name]!;
        expect(s.environment?.REDIS_URL, name).toBe('${REDIS_URL:-redis://redis:6379}');
        expect(s.depends_on?.redis, name).toEqual({ condition: 'service_healthy' });
      }
    }
  });

  it('the edge refuses to start without EDGE_API_TOKEN, saying how to make one', () => {
    const token = edge.services['edge-gateway']!.environment?.EDGE_API_TOKEN;
    expect(token).toMatch(/^\$\{EDGE_API_TOKEN:\?set EDGE_API_TOKEN in edge\.env .*io tokens create/);
    const envFile = join(tmp, 'edge-no-token.env');
    writeFileSync(envFile, read('docker/edge.env.template').replace(/^EDGE_API_TOKEN=.*$/m, ''));
    const r = composeConfig(join(ROOT, 'docker/compose.edge.yml'), envFile);
    expect(r?.ok).toBe(false);
    expect(r?.output).toContain('set EDGE_API_TOKEN in edge.env');
  });

  it('inference has no backbone volume any more (the backbone is in the image) and a short start period', () => {
    const inference = edge.services.inference!;
    expect(JSON.stringify(inference.volumes)).not.toContain('/var/cache');
    expect(inference.healthcheck?.start_period).toBe('30s');
  });

  it('Prometheus and Grafana run only in the monitoring profile, with the repo monitoring/ files', () => {
    for (const [doc, config] of [
      [edge, 'edge.yml'],
      [cloud, 'cloud.yml'],
    ] as const) {
      expect(doc.services.prometheus?.profiles).toEqual(['monitoring']);
      expect(doc.services.grafana?.profiles).toEqual(['monitoring']);
      expect(doc.services.prometheus?.volumes).toContain(
        `../monitoring/prometheus/${config}:/etc/prometheus/prometheus.yml:ro`,
      );
      for (const v of [
        ...(doc.services.prometheus?.volumes ?? []),
        ...(doc.services.grafana?.volumes ?? []),
      ]) {
        const source = v.split(':')[0]!;
        if (source.startsWith('../')) expect(existsSync(join(ROOT, 'docker', source)), v).toBe(true);
      }
    }
  });
});

interface ComposeService {
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  volumes?: string[];
  healthcheck?: { start_period?: string };
}
interface ComposeDoc {
  services: Record<string, ComposeService | undefined>;
}

describe('helpers', () => {
  it('dockerignoreAllows follows allow-list semantics', () => {
    const ig = '*\n!package.json\n!apps/edge-gateway\n**/node_modules\n**/*.test.ts\n';
    expect(dockerignoreAllows(ig, 'package.json')).toBe(true);
    expect(dockerignoreAllows(ig, 'apps/edge-gateway')).toBe(true);
    expect(dockerignoreAllows(ig, 'apps/edge-gateway/src/main.ts')).toBe(true);
    expect(dockerignoreAllows(ig, 'apps/edge-gateway/node_modules/x')).toBe(false);
    expect(dockerignoreAllows(ig, 'apps/edge-gateway/src/a.test.ts')).toBe(false);
    expect(dockerignoreAllows(ig, 'apps/inference')).toBe(false);
    expect(dockerignoreAllows(ig, 'README.md')).toBe(false);
  });

  it('composeVariables and interpolate understand the compose forms', () => {
    expect(composeVariables('${A} ${B:-x} ${C:?m} $${D} ${E-y}')).toEqual(['A', 'B', 'C', 'E']);
    expect(interpolate('${A:-1}:${B:-2}', { A: '9' })).toBe('9:2');
    expect(interpolate('${A:-1}', { A: '' })).toBe('1');
    expect(interpolate('${A-1}', { A: '' })).toBe('');
  });
});

describe('docker/nginx/15-io-require-env.sh (container start)', () => {
  const script = join(ROOT, 'docker/nginx/15-io-require-env.sh');
  const run = (env: Record<string, string>) =>
    spawnSync('sh', [script], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        NGINX_ENVSUBST_TEMPLATE_DIR: join(ROOT, 'nginx'),
        ...env,
      },
    });

  it('stops the container listing every unset variable of the templates', () => {
    const r = run({ CLOUD_URL: 'https://c.example.com' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('EDGE_GATEWAY_ADDR');
    expect(r.stderr).toContain('UI_ROOT');
    expect(r.stderr).not.toContain(' CLOUD_URL');
  });

  it('passes when every variable is set', () => {
    const names = new Set(
      ['edge.conf.template', 'cloud.conf.template'].flatMap((t) =>
        [...read(`nginx/${t}`).matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]!),
      ),
    );
    const r = run(Object.fromEntries([...names].map((n) => [n, 'x'])));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
