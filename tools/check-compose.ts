/**
 * Static checks of the deployment files (there is no Docker engine in CI):
 *
 * - docker/compose.<name>.yml, with docker/<name>.env.template: `docker-compose config -q` (Debian's
 *   docker-compose v1, which validates against the Compose Specification schema) plus targeted checks: every
 *   service has an image or a build whose Dockerfile exists, a healthcheck, depends_on targets that exist (and
 *   are healthchecked when waited for as healthy), declared named volumes, unique published ports, no `latest`
 *   tags; every `${VAR}` is documented in the env template and every documented variable is used; the
 *   environment given to an app container is a variable that app reads (apps/<app>/src/config/env.ts,
 *   .env.example), and the environment given to an nginx container is a variable of its template.
 * - docker/<image>/Dockerfile: non-root USER and a HEALTHCHECK in the final stage, multi-stage when npm runs,
 *   pinned base images, ONNXRUNTIME_NODE_INSTALL=skip, no curl in node images, COPY sources that exist and pass
 *   the Dockerfile's allow-list .dockerignore, and every workspace library the app depends on copied in.
 *
 *   tsx tools/check-compose.ts        (exit 1 and one line per problem)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '..');
const DOCKER_DIR = join(ROOT, 'docker');

/** Variables every app may receive although its env schema does not list them. */
const RUNTIME_VARS = new Set(['NODE_ENV', 'NODE_OPTIONS', 'IO_CACHE_DIR', 'TZ']);
/** Variables docker compose itself reads from the env file. */
const COMPOSE_VARS = new Set(['COMPOSE_PROJECT_NAME']);
/** Images built here whose container environment renders an nginx template. */
const NGINX_IMAGES: Record<string, string> = {
  'nginx-edge': 'nginx/edge.conf.template',
  'review-ui': 'nginx/cloud.conf.template',
};

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:?msg}`, `${VAR?msg}`; `$${...}` is an escaped dollar. */
export function composeVariables(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:]?[-?][^}]*)?\}/g)) {
    if (m[1] === '$') continue;
    names.add(m[2]!);
  }
  return [...names];
}

/** Names documented in an env template, as `NAME=` or `# NAME=` at the start of a line. */
export function documentedVariables(text: string): Set<string> {
  return new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
}

/** Substitute `${VAR:-default}` style expressions with the env value or the default (for port checks). */
export function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g,
    (_w, name: string, colon: string, op: string, arg: string) => {
      const v = env[name];
      const unset = v === undefined || (colon === ':' && v === '');
      if (!unset) return v;
      return op === '-' ? arg : '';
    },
  );
}

/** Values set (uncommented) in an env template. */
export function templateValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)) out[m[1]!] = m[2]!;
  return out;
}

/** Variables an app reads: env.ts zod keys, process.env reads in src, and .env.example names. */
export function appVariables(app: string, root = ROOT): Set<string> | null {
  const dir = join(root, 'apps', app);
  if (!existsSync(dir)) return null;
  const names = new Set<string>();
  const envTs = join(dir, 'src', 'config', 'env.ts');
  if (existsSync(envTs)) {
    for (const m of readFileSync(envTs, 'utf8').matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*:/gm)) names.add(m[1]!);
  }
  const example = join(dir, '.env.example');
  if (existsSync(example)) for (const n of documentedVariables(readFileSync(example, 'utf8'))) names.add(n);
  const walk = (d: string): void => {
    if (!existsSync(d)) return;
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
        for (const m of readFileSync(p, 'utf8').matchAll(/process\.env(?:\.|\[['"])([A-Z][A-Z0-9_]*)/g)) {
          names.add(m[1]!);
        }
      }
    }
  };
  walk(join(dir, 'src'));
  return names;
}

function templateVariableNames(file: string, root: string): Set<string> {
  const text = readFileSync(join(root, file), 'utf8');
  return new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]!));
}

/** The image's repository name without registry, namespace and tag: `x/y/cloud-graph:1` -> `cloud-graph`. */
function imageName(image: string): string {
  const noTag = image.replace(/:[^/:]*$/, '');
  return noTag.slice(noTag.lastIndexOf('/') + 1);
}

export interface ComposeInput {
  /** Path of the compose file relative to the repo root (for messages and build contexts). */
  file: string;
  text: string;
  envTemplate: string;
  root?: string;
}

/** Targeted checks of one compose file; returns one message per problem. */
export function checkComposeFile({ file, text, envTemplate, root = ROOT }: ComposeInput): string[] {
  const problems: string[] = [];
  const p = (msg: string) => problems.push(`${file}: ${msg}`);
  let doc: unknown;
  try {
    doc = parse(text, { merge: true });
  } catch (err) {
    return [`${file}: not valid YAML: ${(err as Error).message}`];
  }
  if (!isObject(doc) || !isObject(doc.services)) return [`${file}: no services`];
  const services = doc.services;
  const envDefaults = templateValues(envTemplate);
  const composeDir = dirname(join(root, file));

  // Variables: used <-> documented.
  const documented = documentedVariables(envTemplate);
  const used = composeVariables(text);
  for (const name of used) {
    if (!documented.has(name)) p(`\${${name}} is not documented in the env template`);
  }
  for (const name of documented) {
    if (!used.includes(name) && !COMPOSE_VARS.has(name)) p(`${name} is documented but not used`);
  }

  const declaredVolumes = new Set(isObject(doc.volumes) ? Object.keys(doc.volumes) : []);
  const usedVolumes = new Set<string>();
  const hostPorts = new Map<string, string>();

  for (const [name, raw] of Object.entries(services)) {
    const s = isObject(raw) ? raw : {};
    const where = `service ${name}`;
    const image = typeof s.image === 'string' ? s.image : undefined;
    if (!image && s.build === undefined) p(`${where}: needs image or build`);

    if (image) {
      const resolved = interpolate(image, envDefaults);
      const tag = /:([^/:]+)$/.exec(resolved)?.[1];
      if (!tag) p(`${where}: image ${image} has no tag`);
      else if (tag === 'latest') p(`${where}: image ${image} uses the latest tag`);
    }

    if (s.build !== undefined) {
      const build = isObject(s.build) ? s.build : { context: s.build };
      const context = resolve(composeDir, typeof build.context === 'string' ? build.context : '.');
      const dockerfile = join(
        context,
        typeof build.dockerfile === 'string' ? build.dockerfile : 'Dockerfile',
      );
      if (!existsSync(dockerfile)) p(`${where}: Dockerfile ${relative(root, dockerfile)} does not exist`);
    }

    const hc = s.healthcheck;
    if (!isObject(hc) || hc.disable === true || hc.test === undefined) p(`${where}: needs a healthcheck`);
    else if (Array.isArray(hc.test) && hc.test[0] === 'NONE') p(`${where}: healthcheck test is NONE`);

    const deps = s.depends_on;
    const depNames = Array.isArray(deps) ? deps : isObject(deps) ? Object.keys(deps) : [];
    for (const dep of depNames) {
      if (typeof dep !== 'string' || !(dep in services)) {
        p(`${where}: depends_on ${String(dep)} is not a service`);
        continue;
      }
      const cond = isObject(deps) && isObject(deps[dep]) ? deps[dep].condition : undefined;
      const target = services[dep];
      if (cond === 'service_healthy' && !(isObject(target) && isObject(target.healthcheck))) {
        p(`${where}: waits for ${dep} to be healthy but ${dep} has no healthcheck`);
      }
      const profiles = isObject(target) ? target.profiles : undefined;
      if (Array.isArray(profiles) && profiles.length > 0 && !Array.isArray(s.profiles)) {
        p(`${where}: depends on ${dep}, which only runs in profile(s) ${profiles.join(', ')}`);
      }
    }

    for (const v of Array.isArray(s.volumes) ? s.volumes : []) {
      const source =
        typeof v === 'string'
          ? v.split(':')[0]!
          : isObject(v) && typeof v.source === 'string'
            ? v.source
            : '';
      if (source && !/^[./~$]/.test(source)) {
        usedVolumes.add(source);
        if (!declaredVolumes.has(source)) p(`${where}: named volume ${source} is not declared under volumes`);
      }
    }

    for (const port of Array.isArray(s.ports) ? s.ports : []) {
      const spec = interpolate(String(port), envDefaults);
      const parts = spec.split(':');
      if (parts.length < 2) continue; // container-only port: nothing published on a fixed host port
      const host = parts.slice(0, -1).join(':');
      const other = hostPorts.get(host);
      if (other) p(`${where}: host port ${host} is also published by ${other}`);
      hostPorts.set(host, name);
    }

    // The environment must be something the container reads.
    const envKeys = Array.isArray(s.environment)
      ? s.environment.map((e) => String(e).split('=')[0]!)
      : isObject(s.environment)
        ? Object.keys(s.environment)
        : [];
    const dockerfileDir =
      isObject(s.build) && typeof s.build.dockerfile === 'string'
        ? /^docker\/([^/]+)\/Dockerfile$/.exec(s.build.dockerfile)?.[1]
        : undefined;
    const kind = dockerfileDir ?? (image ? imageName(interpolate(image, envDefaults)) : undefined);
    if (kind && NGINX_IMAGES[kind]) {
      const vars = templateVariableNames(NGINX_IMAGES[kind], root);
      for (const key of envKeys) {
        if (!vars.has(key)) p(`${where}: ${key} is not a variable of ${NGINX_IMAGES[kind]}`);
      }
    } else if (kind && existsSync(join(root, 'apps', kind))) {
      const vars = appVariables(kind, root)!;
      for (const key of envKeys) {
        if (!vars.has(key) && !RUNTIME_VARS.has(key)) p(`${where}: apps/${kind} does not read ${key}`);
      }
    }
  }

  for (const v of declaredVolumes) if (!usedVolumes.has(v)) p(`volume ${v} is declared but not used`);
  return problems;
}

interface Stage {
  from: string;
  lines: string[];
}

function dockerfileInstructions(text: string): string[] {
  // Join continuation lines; drop comments and parser directives.
  const out: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line) && current === '') continue;
    if (/\\\s*$/.test(line)) {
      current += line.replace(/\\\s*$/, ' ');
      continue;
    }
    current += line;
    if (current.trim()) out.push(current.trim());
    current = '';
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** Allow-list .dockerignore semantics (last matching rule wins; `dir` also covers everything below it). */
export function dockerignoreAllows(ignoreText: string, path: string): boolean {
  const rules = ignoreText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const toRegex = (pattern: string): RegExp => {
    const src = pattern
      .replace(/\/+$/, '')
      .split('/')
      .map((seg) =>
        seg === '**'
          ? '(?:.*)'
          : seg
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '[^/]*')
              .replace(/\?/g, '[^/]'),
      )
      .join('/')
      .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
    return new RegExp(`^${src}(?:/.*)?$`);
  };
  let allowed = true;
  for (const rule of rules) {
    const negate = rule.startsWith('!');
    const pattern = negate ? rule.slice(1) : rule;
    if (toRegex(pattern).test(path)) allowed = negate;
  }
  return allowed;
}

/** @intellioptics/* workspace libraries an app needs, transitively (directory names under libs/). */
export function workspaceLibs(app: string, root = ROOT): string[] {
  const seen = new Set<string>();
  const visit = (pkgPath: string): void => {
    if (!existsSync(pkgPath)) return;
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      const m = /^@intellioptics\/(.+)$/.exec(dep);
      if (!m || seen.has(m[1]!)) continue;
      if (!existsSync(join(root, 'libs', m[1]!))) continue;
      seen.add(m[1]!);
      visit(join(root, 'libs', m[1]!, 'package.json'));
    }
  };
  visit(join(root, 'apps', app, 'package.json'));
  return [...seen].sort();
}

export interface DockerfileInput {
  /** Path relative to the repo root, e.g. docker/edge-gateway/Dockerfile. */
  file: string;
  text: string;
  /** The Dockerfile-specific ignore file (`Dockerfile.dockerignore`), if any. */
  ignoreText?: string;
  root?: string;
}

/** Targeted lint of one Dockerfile (hadolint is not in Debian). */
export function lintDockerfile({ file, text, ignoreText, root = ROOT }: DockerfileInput): string[] {
  const problems: string[] = [];
  const p = (msg: string) => problems.push(`${file}: ${msg}`);
  const instructions = dockerfileInstructions(text);
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    const [keyword = '', ...rest] = ins.split(/\s+/);
    const body = rest.join(' ');
    const kw = keyword.toUpperCase();
    if (kw === 'ARG' && stages.length === 0) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\S+)/.exec(body);
      if (m) args[m[1]!] = m[2]!;
    } else if (kw === 'FROM') {
      stages.push({ from: body, lines: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.lines.push(ins);
    }
  }
  if (stages.length === 0) return [`${file}: no FROM`];
  const stageNames = new Set(
    stages.map((s) => /\s+AS\s+(\S+)/i.exec(s.from)?.[1]?.toLowerCase()).filter((n): n is string => !!n),
  );

  for (const stage of stages) {
    const ref = stage.from
      .replace(/--platform=\S+\s+/, '')
      .split(/\s+/)[0]!
      .replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_w, n: string) => args[n] ?? '');
    if (stageNames.has(ref.toLowerCase())) continue;
    const tag = /:([^/:@]+)$/.exec(ref)?.[1];
    if (!ref) p(`FROM ${stage.from}: the base image ARG has no default`);
    else if (!tag && !ref.includes('@sha256:')) p(`FROM ${ref}: pin a tag`);
    else if (tag === 'latest') p(`FROM ${ref}: never use the latest tag`);
  }

  const all = instructions.join('\n');
  const runsNpm = /^RUN\b.*\bnpm (?:ci|install)\b/m.test(all);
  const final = stages.at(-1)!;
  const finalText = final.lines.join('\n');
  if (runsNpm && stages.length < 2) p('npm runs in the image: use a multi-stage build');
  if (runsNpm && /^RUN\b.*\bnpm (?:ci|install)\b/m.test(finalText)) {
    p('npm runs in the final stage: install in a build stage and COPY the result');
  }
  if (runsNpm && !/ONNXRUNTIME_NODE_INSTALL=skip/.test(all)) p('set ONNXRUNTIME_NODE_INSTALL=skip');

  const users = final.lines.filter((l) => /^USER\s/i.test(l));
  const lastUser = users.at(-1)?.split(/\s+/)[1];
  if (!lastUser) p('the final stage has no USER (it would run as root)');
  else if (/^(root|0)(:.*)?$/.test(lastUser)) p(`the final stage runs as ${lastUser}`);

  const hc = final.lines.find((l) => /^HEALTHCHECK\s/i.test(l));
  if (!hc) p('the final stage has no HEALTHCHECK');
  else if (/^HEALTHCHECK\s+NONE/i.test(hc)) p('HEALTHCHECK NONE');
  const finalBase = final.from.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_w, n: string) => args[n] ?? '');
  if (hc && /\bcurl\b/.test(hc) && /\bnode:/.test(finalBase)) p('node images have no curl: use node fetch');

  // COPY sources exist and are sent by the build context's allow-list.
  const context = root;
  for (const line of instructions.filter((l) => /^(COPY|ADD)\s/i.test(l))) {
    if (/--from=/.test(line)) continue;
    const parts = line
      .split(/\s+/)
      .slice(1)
      .filter((x) => !x.startsWith('--'));
    for (const src of parts.slice(0, -1)) {
      if (!existsSync(join(context, src))) p(`COPY ${src}: no such file in the build context`);
      if (ignoreText !== undefined && !dockerignoreAllows(ignoreText, src)) {
        p(`COPY ${src}: excluded by the .dockerignore`);
      }
    }
  }
  if (
    ignoreText !== undefined &&
    !ignoreText.split('\n').some((l) => /^\*\*\/node_modules\s*$/.test(l.trim()))
  ) {
    if (runsNpm) p('.dockerignore must exclude **/node_modules (host installs would overwrite the image)');
  }

  // Every workspace library the app needs must be installed and copied in.
  const ws = /--workspace=apps\/([a-z0-9-]+)/.exec(all)?.[1];
  if (ws) {
    if (!/COPY\s+apps\/[a-z0-9-]+\/package\.json/.test(all)) p(`copy apps/${ws}/package.json before npm ci`);
    const runtimeNeedsSources = /\bCMD\b.*\btsx\b/.test(finalText);
    for (const lib of workspaceLibs(ws, root)) {
      if (!new RegExp(`COPY\\s+libs/${lib}/package\\.json\\s`).test(all)) {
        p(`apps/${ws} depends on libs/${lib}: COPY libs/${lib}/package.json before npm ci`);
      }
      if (runtimeNeedsSources && !new RegExp(`COPY\\s+libs/${lib}\\s+libs/${lib}`).test(finalText)) {
        p(`apps/${ws} depends on libs/${lib}: COPY libs/${lib} into the final stage`);
      }
    }
    if (runtimeNeedsSources && !new RegExp(`COPY\\s+apps/${ws}\\s+apps/${ws}`).test(finalText)) {
      p(`COPY apps/${ws} into the final stage`);
    }
  }
  return problems;
}

export interface ComposeConfigResult {
  ok: boolean;
  output: string;
}

/** `docker-compose -f <file> --env-file <env> config -q` (Debian's docker-compose v1), or null if absent. */
export function composeConfig(file: string, envFile: string): ComposeConfigResult | null {
  const r = spawnSync('docker-compose', ['--env-file', envFile, '-f', file, 'config', '-q'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

export function composeFiles(root = ROOT): { file: string; envTemplate: string }[] {
  const dir = join(root, 'docker');
  return readdirSync(dir)
    .filter((f) => /^compose\.[a-z0-9-]+\.yml$/.test(f))
    .sort()
    .map((f) => ({
      file: `docker/${f}`,
      envTemplate: `docker/${/^compose\.([a-z0-9-]+)\.yml$/.exec(f)![1]}.env.template`,
    }));
}

export function dockerfiles(root = ROOT): string[] {
  const dir = join(root, 'docker');
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'Dockerfile')))
    .map((e) => `docker/${e.name}/Dockerfile`)
    .sort();
}

/** Every check over the real files; `requireComposeBinary` makes a missing docker-compose a problem. */
export function checkAll(root = ROOT, requireComposeBinary = true): string[] {
  const problems: string[] = [];
  for (const { file, envTemplate } of composeFiles(root)) {
    if (!existsSync(join(root, envTemplate))) {
      problems.push(`${file}: missing ${envTemplate}`);
      continue;
    }
    problems.push(
      ...checkComposeFile({
        file,
        text: readFileSync(join(root, file), 'utf8'),
        envTemplate: readFileSync(join(root, envTemplate), 'utf8'),
        root,
      }),
    );
    const cfg = composeConfig(join(root, file), join(root, envTemplate));
    if (cfg === null) {
      if (requireComposeBinary) {
        problems.push(`${file}: docker-compose is not installed (apt-get install -y docker-compose)`);
      }
    } else if (!cfg.ok) {
      problems.push(`${file}: docker-compose config: ${cfg.output}`);
    }
  }
  for (const file of dockerfiles(root)) {
    const ignore = join(root, `${file}.dockerignore`);
    problems.push(
      ...lintDockerfile({
        file,
        text: readFileSync(join(root, file), 'utf8'),
        ...(existsSync(ignore) ? { ignoreText: readFileSync(ignore, 'utf8') } : {}),
        root,
      }),
    );
    if (!existsSync(ignore))
      problems.push(`${file}: missing ${file}.dockerignore (the build context is the repo)`);
  }
  return problems;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const problems = checkAll();
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exitCode = 1;
  } else {
    console.log(
      `compose: ${composeFiles().length} file(s), dockerfiles: ${dockerfiles().length}: no problems (docker dir ${relative(ROOT, DOCKER_DIR)})`,
    );
  }
}
