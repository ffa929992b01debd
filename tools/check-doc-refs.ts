/**
 * Every `*.md` file named in a comment (TypeScript, JavaScript, shell, nginx, YAML, Dockerfiles, `.env.example`)
 * or in a Markdown file must exist in the repository: relative to the file that names it, relative to the repo
 * root, or, for a bare name like `DECISION.md`, under docs/. A reference that leaves the repository counts as
 * missing. Prints `file:line` for each missing one and exits 1.
 *
 *   tsx tools/check-doc-refs.ts [root]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface DanglingRef {
  file: string;
  line: number;
  ref: string;
}

type Syntax = 'slash' | 'hash' | 'markdown';

function syntaxOf(file: string): Syntax | null {
  const name = file.split('/').pop()!;
  if (/\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(name)) return 'slash';
  if (/\.(sh|conf|template|ya?ml|example)$/.test(name) || /^Dockerfile|\.Dockerfile$/.test(name))
    return 'hash';
  if (name.endsWith('.md')) return 'markdown';
  return null;
}

/**
 * The comment text of each line of a C-like source (`//` and `/* *\/`), other text blanked. Strings are
 * skipped so a URL or a path in a string literal is not read as a comment; quotes close at the end of a line
 * so an unusual regex literal cannot hide the rest of the file.
 */
function slashComments(text: string): string[] {
  const out: string[] = [];
  let line = '';
  let mode: 'code' | 'line' | 'block' | "'" | '"' | '`' = 'code';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '\n') {
      out.push(line);
      line = '';
      if (mode === 'line' || mode === "'" || mode === '"') mode = 'code';
      continue;
    }
    if (mode === 'code') {
      if (c === '/' && next === '/') {
        mode = 'line';
        i++;
      } else if (c === '/' && next === '*') {
        mode = 'block';
        i++;
      } else if (c === "'" || c === '"' || c === '`') {
        mode = c;
      }
    } else if (mode === 'line') {
      line += c;
    } else if (mode === 'block') {
      if (c === '*' && next === '/') {
        mode = 'code';
        i++;
      } else {
        line += c;
      }
    } else if (c === '\\') {
      i++;
    } else if (c === mode) {
      mode = 'code';
    }
  }
  out.push(line);
  return out;
}

function hashComments(text: string): string[] {
  return text.split('\n').map((l) => /(?:^|\s)#(.*)$/.exec(l)?.[1] ?? '');
}

// A path-like token ending in .md (optionally with an #anchor), not part of a URL or a glob such as `*.md`.
const MD_REF = /(?<![\w/.:*~-])((?:\.{1,2}\/|[\w.-]+\/)*[\w-][\w.-]*\.md)(?:#[\w-]*)?(?![\w-]|\.\w)/g;

export function referencesIn(file: string, text: string): { line: number; ref: string }[] {
  const syntax = syntaxOf(file);
  if (!syntax) return [];
  const lines =
    syntax === 'slash' ? slashComments(text) : syntax === 'hash' ? hashComments(text) : text.split('\n');
  const refs: { line: number; ref: string }[] = [];
  lines.forEach((l, i) => {
    for (const m of l.matchAll(MD_REF)) refs.push({ line: i + 1, ref: m[1]! });
  });
  return refs;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
}

export function resolves(root: string, file: string, ref: string): boolean {
  const candidates = [resolve(root, dirname(file), ref), resolve(root, ref)];
  if (!ref.includes('/')) candidates.push(resolve(root, 'docs', ref));
  return candidates.some((p) => inside(root, p) && existsSync(p) && statSync(p).isFile());
}

/** Tracked and new (not ignored) files, repo-relative; outside a git checkout, every file but node_modules. */
export function listFiles(root: string): string[] {
  const git = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (git.status === 0) return git.stdout.split('\0').filter((f) => f && existsSync(join(root, f)));
  const files: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(join(root, dir), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  walk('');
  return files;
}

export function findDanglingDocRefs(root: string, files = listFiles(root)): DanglingRef[] {
  const dangling: DanglingRef[] = [];
  for (const file of files) {
    if (!syntaxOf(file)) continue;
    for (const { line, ref } of referencesIn(file, readFileSync(join(root, file), 'utf8'))) {
      if (!resolves(root, file, ref)) dangling.push({ file, line, ref });
    }
  }
  return dangling;
}

function main(): number {
  const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));
  const dangling = findDanglingDocRefs(root);
  for (const d of dangling) {
    console.error(`${d.file}:${d.line}: ${d.ref} is not in the repository (relative, repo-root or docs/)`);
  }
  if (dangling.length > 0) {
    console.error(`${dangling.length} reference(s) to missing .md files`);
    return 1;
  }
  console.log('every .md reference resolves');
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main();
}
