import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findDanglingDocRefs, referencesIn } from '../check-doc-refs';

// Names of missing docs are built, so that no repo-wide scan mistakes these fixtures for real references.
const md = (name: string): string => `${name}.md`;
const tree = mkdtempSync(join(tmpdir(), 'io-doc-refs-'));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(tree, path)), { recursive: true });
  writeFileSync(join(tree, path), text);
}

write('docs/MODELS.md', '# Models\n\nSee [the decision table](DECISION.md) and ../README.md.\n');
write('README.md', `Read [docs/MODELS.md](docs/MODELS.md) and https://example.com/${md('OTHER')}.\n`);
write(
  'libs/a/src/x.ts',
  [
    '/** The package layout (MODELS.md "Model package"; also docs/MODELS.md, ../../../README.md). */',
    `const path = '${md('GONE-IN-A-STRING')}'; // but ${md('STACK')} section 8 is named in a comment`,
    'export const glob = `*.md`; /* every *.md file */',
    '',
  ].join('\n'),
);
write('nginx/site.conf.template', '# the fallback rule (docs/ARCHITECTURE.md)\nlisten 80; # ok\n');
write('apps/b/README.md', 'Its [parent](../../README.md), [a sibling](../c/README.md#setup).\n');
write('apps/b/.env.example', '# accept (OPERATIONS.md "Tokens") or reject\nTOKENS=accept\n');
write('deploy/k8s/app.yaml', 'kind: Deployment # see ../../docs/MODELS.md\n');
write('notes.txt', `${md('MISSING')} in a file type the check does not read\n`);

afterAll(() => rmSync(tree, { recursive: true, force: true }));

describe('tools/check-doc-refs.ts', () => {
  it('reads references in comments only, never in strings, URLs or globs', () => {
    const refs = referencesIn('x.ts', "// see docs/A.md#part and B.md.\nconst s = 'C.md'; // D.md\n");
    expect(refs).toEqual([
      { line: 1, ref: 'docs/A.md' },
      { line: 1, ref: 'B.md' },
      { line: 2, ref: 'D.md' },
    ]);
  });

  it('resolves relative, repo-root and bare docs/ names and reports each missing one with file:line', () => {
    expect(findDanglingDocRefs(tree)).toEqual([
      { file: 'apps/b/.env.example', line: 1, ref: 'OPERATIONS.md' },
      { file: 'apps/b/README.md', line: 1, ref: '../c/README.md' },
      { file: 'docs/MODELS.md', line: 3, ref: 'DECISION.md' },
      { file: 'libs/a/src/x.ts', line: 2, ref: md('STACK') },
      { file: 'nginx/site.conf.template', line: 1, ref: 'docs/ARCHITECTURE.md' },
    ]);
  });

  it('counts a reference that leaves the repository as missing', () => {
    write('docs/DECISION.md', '# Decision\n');
    write('libs/a/README.md', 'See ../../../outside/ARCHITECTURE.md.\n');
    mkdirSync(join(dirname(tree), 'outside'), { recursive: true });
    expect(findDanglingDocRefs(tree).map((d) => d.ref)).toContain('../../../outside/ARCHITECTURE.md');
    expect(findDanglingDocRefs(tree).map((d) => d.ref)).not.toContain('DECISION.md');
  });
});
