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
  testResults: { status: string; message?: string; name: string }[];
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
  // A suite that fails to load (syntax error, failed beforeAll) has no failed *tests*: count it as one failure.
  const brokenFiles = report.testResults.filter((r) => r.status === 'failed' && r.message).length;
  const failed = report.numFailedTests + (report.numFailedTests === 0 ? brokenFiles : 0);
  const skipped = report.numPendingTests + report.numTodoTests;
  console.log(`${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed > 0 || code ? code || 1 : 0);
});
