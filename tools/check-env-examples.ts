/**
 * Every environment variable an app reads must be documented in its `.env.example` (as `NAME=` or
 * `# NAME=`), and every app that can start (`src/main.ts`) must have one. Variables are found in
 * `src/config/env.ts` (zod object keys in UPPER_SNAKE case) and in `process.env.NAME` reads anywhere in src.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const problems: string[] = [];
let checked = 0;

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

for (const app of readdirSync(join(root, 'apps'))) {
  const dir = join(root, 'apps', app);
  if (!existsSync(join(dir, 'src', 'main.ts'))) continue;
  checked++;
  const examplePath = join(dir, '.env.example');
  if (!existsSync(examplePath)) {
    problems.push(
      `${relative(root, dir)}: has src/main.ts but no .env.example; add one documenting every variable`,
    );
    continue;
  }
  const documented = new Set(
    [...readFileSync(examplePath, 'utf8').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]),
  );
  const used = new Set<string>();
  for (const file of sourceFiles(join(dir, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/process\.env(?:\.|\[['"])([A-Z][A-Z0-9_]*)/g)) used.add(m[1]!);
    if (file.endsWith(join('config', 'env.ts'))) {
      for (const m of text.matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*:/gm)) used.add(m[1]!);
    }
  }
  for (const name of [...used].sort()) {
    if (!documented.has(name)) {
      problems.push(
        `${relative(root, examplePath)}: ${name} is read by the app but not documented; add "${name}="`,
      );
    }
  }
}

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`env examples: ${checked} app(s) checked, every variable documented`);
