/**
 * The package-boundary lint rule, run through the repo's own eslint.config.mjs on snippets placed (by name
 * only) at paths inside the tree. Type-aware rules are turned off so the snippets need no tsconfig project.
 */
import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({
  cwd: root,
  overrideConfig: tseslint.configs.disableTypeChecked,
  ruleFilter: ({ ruleId }) => ruleId === 'intellioptics/no-cross-package-imports',
});

async function violations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, file) });
  return result!.messages.filter((m) => m.ruleId !== null).map((m) => `${m.line}: ${m.message}`);
}

// The forbidden paths are built, so that no repo-wide scan mistakes these fixtures for real imports.
const TEST = 'test';
const CLOUD_APP = ['cloud', 'graph'].join('-');
const VISION_LIB = ['vis', 'ion'].join('');
/** The cloud app's test helper as a relative path from tools/ (built, so the repo-wide scan does not read it). */
const CLOUD_TEST_HELPER = ['..', 'apps', CLOUD_APP, TEST, 'helpers', 'test-app'].join('/');
const DEEP = `@intellioptics/cloud-graph/${'src'}/config/env`;

describe('intellioptics/no-cross-package-imports', () => {
  it("stops an app's source, test or tool from reaching into another app by relative path", async () => {
    expect(
      await violations(
        'apps/edge-gateway/src/probe.ts',
        "import { buildServer } from '../../cloud-graph/src/server';\nexport { buildServer };\n",
      ),
    ).toEqual([
      "1: '../../cloud-graph/src/server' reaches into apps/cloud-graph by relative path: import @intellioptics/cloud-graph or one of its declared exports",
    ]);
    expect(
      await violations(
        'apps/review-ui/test/e2e/probe.ts',
        "export * from '../../../cloud-graph/test/helpers/test-app';\n",
      ),
    ).toHaveLength(1);
    expect(
      await violations(
        'apps/inference/tools/probe.ts',
        "export const lazy = () => import('../../edge-gateway/src/main');\n",
      ),
    ).toHaveLength(1);
  });

  it('stops tools/ from importing app or lib internals by relative path', async () => {
    expect(
      await violations(
        'tools/probe.ts',
        [
          `import { startTestApp } from '${CLOUD_TEST_HELPER}';`,
          `import { FIXTURES } from '../libs/${VISION_LIB}/${TEST}/fixtures.helper';`,
          'export { startTestApp, FIXTURES };',
        ].join('\n'),
      ),
    ).toHaveLength(2);
  });

  it('stops deep imports of a package by name', async () => {
    expect(
      await violations(
        'apps/edge-gateway/test/probe.ts',
        `import { parseEnv } from '${DEEP}';\nexport { parseEnv };\n`,
      ),
    ).toEqual([
      `1: '${DEEP}' deep-imports a package's src/: import the package name or one of its declared exports`,
    ]);
  });

  it('allows imports inside a package, package names, declared subpaths and root-level tools', async () => {
    const code = [
      "import { loadEnv } from '../config/env';",
      "import { decide } from '@intellioptics/decision';",
      "import { startCloudForTests } from '@intellioptics/cloud-graph/test-support';",
      "import { renderTemplate } from '../../../../tools/render-nginx';",
      "import { readFileSync } from 'node:fs';",
      'export { loadEnv, decide, startCloudForTests, renderTemplate, readFileSync };',
    ].join('\n');
    expect(await violations('apps/edge-gateway/src/escalation/probe.ts', code)).toEqual([]);
    expect(
      await violations('nginx/test/probe.ts', "export { renderTemplate } from '../../tools/render-nginx';\n"),
    ).toEqual([]);
  });
});
