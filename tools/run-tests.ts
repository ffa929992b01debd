/**
 * Runs every workspace's vitest project in one process and ends with the line CI counts:
 * `N passed, N failed` (skipped tests are reported after it when there are any).
 * Extra arguments are passed to vitest (for example a project filter: `--project decision`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: {
    status: string;
    message?: string;
    name: string;
    assertionResults: { status: string }[];
  }[];
}

/**
 * Failed tests, plus one for each failed file none of whose tests failed: a file that does not load, or whose
 * beforeAll/afterAll threw (its tests are then reported as skipped), has no failed test of its own.
 */
function countFailures(report: VitestJson): number {
  const brokenFiles = report.testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed'),
  ).length;
  return report.numFailedTests + brokenFiles;
}

const outFile = join(mkdtempSync(join(tmpdir(), 'io-vitest-')), 'results.json');
const args = [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${outFile}`,
  ...process.argv.slice(2),
];

const child = spawn('npx', args, { stdio: 'inherit', env: process.env });
child.on('exit', (code, signal) => {
  if (!existsSync(outFile)) {
    console.error(`vitest produced no report (exit ${code ?? signal ?? '?'})`);
    console.log('0 passed, 1 failed');
    process.exit(code || 1);
  }
  const report = JSON.parse(readFileSync(outFile, 'utf8')) as VitestJson;
  const failed = countFailures(report);
  const skipped = report.numPendingTests + report.numTodoTests;
  console.log(`${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed > 0 || code ? code || 1 : 0);
});
