import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

type ProjectTest = NonNullable<UserWorkspaceConfig['test']>;

/**
 * The settings every workspace project shares: tests beside the code (`src/`) and in `test/`, `*.live.test.ts`
 * kept out of the default run (they need services outside the machine), and generous timeouts because many
 * tests start real servers, databases and browsers. A project passes its name and only what differs.
 */
export function defineIoProject(root: string, test: ProjectTest & { name: string }): UserWorkspaceConfig {
  return defineProject({
    test: {
      root,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: ['**/*.live.test.ts', '**/node_modules/**'],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      ...test,
    },
  });
}
