// Type-aware lint for the whole monorepo. The rules that matter in a gateway: no floating promises
// (a lost rejection is a lost escalation) and exhaustive switches over our enums.
import { dirname, relative, resolve, sep } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const repoRoot = import.meta.dirname;

/** `apps/<name>` or `libs/<name>` for a path inside a workspace package; null for tools/, nginx/, docker/. */
function packageOf(file) {
  const [area, name] = relative(repoRoot, file).split(sep);
  return (area === 'apps' || area === 'libs') && name ? `${area}/${name}` : null;
}

/**
 * Packages meet only through their names and declared exports: a relative path into another workspace
 * package, or a deep `@intellioptics/<pkg>/src|test/...` specifier, couples to files the package never
 * promised to keep (and loads a second copy of modules it also exports).
 */
const noCrossPackageImports = {
  meta: {
    type: 'problem',
    messages: {
      relative:
        "'{{source}}' reaches into {{target}} by relative path: import @intellioptics/{{name}} or one of its declared exports",
      deep: "'{{source}}' deep-imports a package's {{dir}}/: import the package name or one of its declared exports",
    },
    schema: [],
  },
  create(context) {
    const here = packageOf(context.filename);
    function check(node) {
      const source = node?.type === 'Literal' ? node.value : null;
      if (typeof source !== 'string') return;
      const deep = /^@intellioptics\/[^/]+\/(src|test)(\/|$)/.exec(source);
      if (deep) {
        context.report({ node, messageId: 'deep', data: { source, dir: deep[1] } });
        return;
      }
      if (!source.startsWith('.')) return;
      const target = packageOf(resolve(dirname(context.filename), source));
      if (target && target !== here) {
        context.report({
          node,
          messageId: 'relative',
          data: { source, target, name: target.split('/')[1] },
        });
      }
    }
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSExternalModuleReference: (node) => check(node.expression),
      TSImportType: (node) =>
        check(node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.source),
    };
  },
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.nx/**',
      '**/generated/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
      '.io-home/**',
      '**/.cache/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    plugins: { intellioptics: { rules: { 'no-cross-package-imports': noCrossPackageImports } } },
    rules: { 'intellioptics/no-cross-package-imports': 'error' },
  },
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'tools/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
