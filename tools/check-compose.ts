/**
 * Static checks of the deployment files (there is no Docker engine in CI):
 *
 * - docker/compose.<name>.yml, with docker/<name>.env.template: `docker-compose config -q` (Debian's
 *   docker-compose v1, which validates against the Compose Specification schema) plus targeted checks: every
 *   service has an image or a build whose Dockerfile (and `target:` stage) exists, a healthcheck, depends_on targets that exist (and
 *   are healthchecked when waited for as healthy), declared named volumes, unique published ports, no `latest`
 *   tags; every `${VAR}` is documented in the env template and every documented variable is used; the
 *   environment given to an app container is a variable that app reads (apps/<app>/src/config/env.ts,
 *   .env.example), and the environment given to an nginx container is a variable of its template.
 * - docker/Dockerfile (one target per image on shared stages): each target, with the stages it builds on, has a
 *   non-root USER and a HEALTHCHECK and runs no npm; multi-stage when npm runs, pinned base images,
 *   ONNXRUNTIME_NODE_INSTALL=skip, no curl in node images, COPY sources that exist and pass the allow-list
 *   .dockerignore, and a Node service copies its app and every workspace library it depends on, from a deps
 *   stage that installed that app.
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
      else if (typeof build.target === 'string') {
        const targets = dockerfileTargets(readFileSync(dockerfile, 'utf8'));
        if (!targets.includes(build.target.toLowerCase())) {
          p(
            `${where}: target ${build.target} is not an image of ${relative(root, dockerfile)} (${targets.join(', ')})`,
          );
        }
      }
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
    const target = isObject(s.build) && typeof s.build.target === 'string' ? s.build.target : undefined;
    const kind = target ?? (image ? imageName(interpolate(image, envDefaults)) : undefined);
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
  /** Lower-case stage name (`AS x`), or `#<index>` when unnamed. */
  name: string;
  from: string;
  /** The image reference with ARG defaults substituted (or the name of an earlier stage). */
  base: string;
  /** The earlier stage this one builds on, if any. */
  parent: Stage | null;
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

/** The stages of a Dockerfile, in order, with global ARG defaults substituted into FROM. */
export function dockerfileStages(text: string): Stage[] {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of dockerfileInstructions(text)) {
    const [keyword = '', ...rest] = ins.split(/\s+/);
    const body = rest.join(' ');
    const kw = keyword.toUpperCase();
    if (kw === 'ARG' && stages.length === 0) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\S+)/.exec(body);
      if (m) args[m[1]!] = m[2]!;
    } else if (kw === 'FROM') {
      const base = body
        .replace(/--platform=\S+\s+/, '')
        .split(/\s+/)[0]!
        .replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_w, n: string) => args[n] ?? '');
      const name = /\s+AS\s+(\S+)/i.exec(body)?.[1]?.toLowerCase() ?? `#${stages.length}`;
      const parent = stages.find((st) => st.name === base.toLowerCase()) ?? null;
      stages.push({ name, from: body, base, parent, lines: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.lines.push(ins);
    }
  }
  return stages;
}

/** Stages nothing else builds on or copies from: the images a Dockerfile makes (compose `target:`s). */
export function dockerfileTargets(text: string): string[] {
  const stages = dockerfileStages(text);
  const used = new Set<string>();
  for (const st of stages) {
    if (st.parent) used.add(st.parent.name);
    for (const l of st.lines) {
      const from = /--from=(\S+)/.exec(l)?.[1]?.toLowerCase();
      if (from) used.add(from);
    }
  }
  return stages.filter((st) => !used.has(st.name)).map((st) => st.name);
}

/** A stage's instructions with those of the stages it builds on (oldest first): what ends up in its image. */
function chainLines(stage: Stage): string[] {
  return [...(stage.parent ? chainLines(stage.parent) : []), ...stage.lines];
}

/** The image at the bottom of a stage's chain. */
const rootImage = (stage: Stage): string => (stage.parent ? rootImage(stage.parent) : stage.base);

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
  /** Path relative to the repo root, e.g. docker/Dockerfile. */
  file: string;
  text: string;
  /** The Dockerfile-specific ignore file (`Dockerfile.dockerignore`), if any. */
  ignoreText?: string;
  root?: string;
}

/** Folders of the root package.json workspaces (`libs/*` expanded) that hold a package.json. */
export function workspaceDirs(root = ROOT): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces?: string[] };
  const dirs: string[] = [];
  for (const pattern of pkg.workspaces ?? []) {
    const candidates = pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => `${pattern.slice(0, -2)}/${e.name}`)
      : [pattern];
    dirs.push(...candidates.filter((d) => existsSync(join(root, d, 'package.json'))));
  }
  return dirs.sort();
}

/** npm installs, directly or through docker/npm-install-workspace.sh (`io-npm-install`). */
const NPM_INSTALL = /^RUN\b.*(?:\bnpm (?:ci|install)\b|\bio-npm-install\b)/m;

/**
 * Targeted lint of a Dockerfile (hadolint is not in Debian). Every target (a stage nothing builds on) is an
 * image and is checked with the stages below it: non-root USER, HEALTHCHECK, no npm, and for a Node service
 * (WORKDIR /app/apps/<app>) its sources and libraries copied, from a deps stage that installed that app.
 */
export function lintDockerfile({ file, text, ignoreText, root = ROOT }: DockerfileInput): string[] {
  const problems: string[] = [];
  const p = (msg: string) => problems.push(`${file}: ${msg}`);
  const stages = dockerfileStages(text);
  if (stages.length === 0) return [`${file}: no FROM`];
  const byName = new Map(stages.map((st) => [st.name, st]));

  for (const stage of stages) {
    if (stage.parent) continue;
    const tag = /:([^/:@]+)$/.exec(stage.base)?.[1];
    if (!stage.base) p(`FROM ${stage.from}: the base image ARG has no default`);
    else if (!tag && !stage.base.includes('@sha256:')) p(`FROM ${stage.base}: pin a tag`);
    else if (tag === 'latest') p(`FROM ${stage.base}: never use the latest tag`);
  }

  const all = stages.flatMap((st) => st.lines).join('\n');
  const runsNpm = NPM_INSTALL.test(all);
  if (runsNpm && stages.length < 2) p('npm runs in the image: use a multi-stage build');
  if (runsNpm && !/ONNXRUNTIME_NODE_INSTALL=skip/.test(all)) p('set ONNXRUNTIME_NODE_INSTALL=skip');

  // npm ci must see the tree the lock was made for: every workspace's package.json.
  for (const stage of stages.filter((st) => NPM_INSTALL.test(st.lines.join('\n')))) {
    const seen = chainLines(stage).join('\n');
    for (const ws of workspaceDirs(root)) {
      if (!new RegExp(`COPY\\s+${ws}/package\\.json\\s`).test(seen)) {
        p(`stage ${stage.name} runs npm without ${ws}/package.json: COPY it in the manifests stage`);
      }
    }
  }

  for (const target of dockerfileTargets(text)) {
    const stage = byName.get(target)!;
    const lines = chainLines(stage);
    const joined = lines.join('\n');
    const t = stages.length > 1 ? `target ${target}: ` : '';
    if (NPM_INSTALL.test(joined))
      p(`${t}npm runs in the final stage: install in a build stage and COPY the result`);
    const lastUser = lines
      .filter((l) => /^USER\s/i.test(l))
      .at(-1)
      ?.split(/\s+/)[1];
    if (!lastUser) p(`${t}the final stage has no USER (it would run as root)`);
    else if (/^(root|0)(:.*)?$/.test(lastUser)) p(`${t}the final stage runs as ${lastUser}`);
    const hc = lines.filter((l) => /^HEALTHCHECK\s/i.test(l)).at(-1);
    if (!hc) p(`${t}the final stage has no HEALTHCHECK`);
    else if (/^HEALTHCHECK\s+NONE/i.test(hc)) p(`${t}HEALTHCHECK NONE`);
    if (hc && /\bcurl\b/.test(hc) && /\bnode:/.test(rootImage(stage)))
      p(`${t}node images have no curl: use node fetch`);

    // A Node service: its app and every workspace library it needs, from a deps stage that installed it.
    const app = lines
      .filter((l) => /^WORKDIR\s/i.test(l))
      .at(-1)
      ?.match(/^WORKDIR\s+\/app\/apps\/([a-z0-9-]+)/i)?.[1];
    if (!app || !/\bCMD\b.*\btsx\b/.test(joined)) continue;
    if (!new RegExp(`COPY\\s+apps/${app}\\s+apps/${app}`).test(joined))
      p(`${t}COPY apps/${app} into the final stage`);
    const deps = lines
      .map((l) => /^COPY\s+--from=(\S+)\s+\/app\s/i.exec(l)?.[1]?.toLowerCase())
      .find((n): n is string => !!n && byName.has(n));
    const depsLines = deps ? chainLines(byName.get(deps)!).join('\n') : '';
    if (!deps) p(`${t}copy the installed /app from a deps stage (COPY --from=<deps> /app ./)`);
    else if (!new RegExp(`(?:--workspace=|io-npm-install\\s+)apps/${app}\\b`).test(depsLines)) {
      p(`${t}stage ${deps} does not install apps/${app}`);
    }
    if (deps && !new RegExp(`COPY\\s+apps/${app}/package\\.json\\s`).test(depsLines)) {
      p(`${t}copy apps/${app}/package.json before npm ci`);
    }
    for (const lib of workspaceLibs(app, root)) {
      if (deps && !new RegExp(`COPY\\s+libs/${lib}/package\\.json\\s`).test(depsLines)) {
        p(`${t}apps/${app} depends on libs/${lib}: COPY libs/${lib}/package.json before npm ci`);
      }
      if (!new RegExp(`COPY\\s+libs/${lib}\\s+libs/${lib}`).test(joined)) {
        p(`${t}apps/${app} depends on libs/${lib}: COPY libs/${lib} into the final stage`);
      }
    }
  }

  // COPY sources exist and are sent by the build context's allow-list.
  for (const line of stages.flatMap((st) => st.lines).filter((l) => /^(COPY|ADD)\s/i.test(l))) {
    if (/--from=/.test(line)) continue;
    const parts = line
      .split(/\s+/)
      .slice(1)
      .filter((x) => !x.startsWith('--'));
    for (const src of parts.slice(0, -1)) {
      if (!existsSync(join(root, src))) p(`COPY ${src}: no such file in the build context`);
      if (ignoreText !== undefined && !dockerignoreAllows(ignoreText, src)) {
        p(`COPY ${src}: excluded by the .dockerignore`);
      }
    }
  }
  if (
    runsNpm &&
    ignoreText !== undefined &&
    !ignoreText.split('\n').some((l) => /^\*\*\/node_modules\s*$/.test(l.trim()))
  ) {
    p('.dockerignore must exclude **/node_modules (host installs would overwrite the image)');
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

/** docker/Dockerfile (every image, one target each) and any docker/<image>/Dockerfile. */
export function dockerfiles(root = ROOT): string[] {
  const dir = join(root, 'docker');
  const nested = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'Dockerfile')))
    .map((e) => `docker/${e.name}/Dockerfile`);
  return [...(existsSync(join(dir, 'Dockerfile')) ? ['docker/Dockerfile'] : []), ...nested.sort()];
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
