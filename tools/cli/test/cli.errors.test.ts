/** What io says when it cannot work, without any cloud: each message names the fix. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli';

const tmp = mkdtempSync(join(tmpdir(), 'io-cli-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function io(env: Record<string, string>, ...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env,
    interactive: false,
  });
  return { code, stdout, stderr };
}

describe('io without a working cloud', () => {
  it('not logged in: says to run io login', async () => {
    const r = await io({ IO_CONFIG: join(tmp, 'none.json') }, 'detectors', 'list');
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'io: Not logged in: run io login --url https://<cloud> --token <api token> (or set IO_URL and IO_TOKEN).\n',
    });
  });

  it('a broken config file: says to log in again', async () => {
    const file = join(tmp, 'broken.json');
    writeFileSync(file, JSON.stringify({ url: 'not a url', token: '' }));
    const r = await io({ IO_CONFIG: file }, 'whoami');
    expect(r.stderr).toContain(`${file} is not a valid io config: run io login`);
  });

  it('an unreachable cloud: names the URL and how to change it', async () => {
    const port = await closedPort();
    const r = await io({ IO_URL: `http://127.0.0.1:${port}`, IO_TOKEN: 'io_x' }, 'detectors', 'list');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `io: Cannot reach the cloud at http://127.0.0.1:${port} (ECONNREFUSED): check the URL, or run io login --url <cloud url>.\n`,
    );
  });

  it('login with a URL that is not one', async () => {
    const r = await io({ IO_CONFIG: join(tmp, 'c.json') }, 'login', '--url', 'cloud', '--token', 't');
    expect(r.stderr).toContain('--url "cloud" is not a URL: give e.g. https://cloud.example.com.');
  });

  it('usage mistakes are commander messages with the help hint, exit 1; --help exits 0', async () => {
    const r = await io({}, 'import', 'x', '--detector', 'd', '--format', 'voc');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "option '--format <format>' argument 'voc' is invalid. Allowed choices are imagefolder, coco, yolo.",
    );
    const help = await io({}, 'export', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--format <format>');
  });
});
