/**
 * `npm test`'s last line is what CI counts. A file whose setup hook throws has no failed test of its own (its
 * tests are skipped), so it must still count as a failure, also when other files have failing tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const dirs: string[] = [];

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'io-run-tests-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'test'));
  writeFileSync(
    join(dir, 'vitest.config.ts'),
    "export default { test: { include: ['test/**/*.test.ts'] } };\n",
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'test', name), text);
  return dir;
}

/** Runs tools/run-tests.ts on `dir`; returns its exit status and its last line. */
function runTests(dir: string): { status: number | null; summary: string } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'tools', 'run-tests.ts'), '--root', dir],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  const lines = r.stdout.trim().split('\n');
  return { status: r.status, summary: lines[lines.length - 1] ?? '' };
}

const passing = "import { it, expect } from 'vitest';\nit('passes', () => expect(1).toBe(1));\n";
const failing =
  "import { it, expect } from 'vitest';\nit('fails', () => expect(1).toBe(2));\nit('passes', () => expect(2).toBe(2));\n";
const brokenSetup = [
  "import { beforeAll, it, expect } from 'vitest';",
  "beforeAll(() => { throw new Error('setup broke'); });",
  "it('never runs', () => expect(1).toBe(1));",
  '',
].join('\n');
const notLoading = "import { it } from 'vitest';\nimport './missing-module';\nit('never loads', () => {});\n";

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('tools/run-tests.ts summary line', () => {
  it('counts a file whose beforeAll throws as a failure next to a failing test', () => {
    const { status, summary } = runTests(
      project({ 'a.test.ts': passing, 'b.test.ts': failing, 'c.test.ts': brokenSetup }),
    );
    expect(summary).toBe('2 passed, 2 failed, 1 skipped');
    expect(status).not.toBe(0);
  });

  it('counts a file that fails to load, and passes a clean run', () => {
    expect(runTests(project({ 'a.test.ts': passing, 'd.test.ts': notLoading })).summary).toBe(
      '1 passed, 1 failed',
    );
    const clean = runTests(project({ 'a.test.ts': passing }));
    expect(clean).toEqual({ status: 0, summary: '1 passed, 0 failed' });
  });
});
