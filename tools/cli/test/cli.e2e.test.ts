/**
 * The io CLI end to end against a real cloud-graph (child process, fresh PostgreSQL database, in-process
 * training worker): login, detectors, import in the three formats, export in the three formats read back and
 * compared image by image, train now, model export, rollback, users, tokens, hubs, delete.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli';
import { readDataset } from '../src/datasets/formats';
import type { DatasetFormat } from '../src/datasets/dataset';
import { startCloud, startEdge, type Cloud } from './services.harness';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const BIN = join(import.meta.dirname, '../bin/io.js');

let cloud: Cloud;
let tmp: string;
let env: Record<string, string>;

beforeAll(async () => {
  cloud = await startCloud({
    LEARNING_IN_PROCESS: '1',
    LEARNING_POLL_MS: '200',
    // Only `io train` starts training here: the automatic trigger waits a day.
    LEARNING_QUIET_MS: '86400000',
    LEARNING_MAX_DELAY_MS: '86400000',
    // The test trains by hand (io train): no first version before it.
    LEARNING_FIRST_VERSION_AT_ONCE: 'false',
  });
  tmp = mkdtempSync(join(tmpdir(), 'io-cli-'));
  env = { IO_CONFIG: join(tmp, 'config', 'io.json') };
});

afterAll(async () => {
  await cloud?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function io(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
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

/** Runs a command with --json and returns the parsed output; fails the test with stderr otherwise. */
async function json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  const r = await io('--json', ...args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** image sha256 → label and boxes (rounded), the content of a dataset independent of names and layout. */
async function contentOf(format: DatasetFormat, dir: string) {
  const out: Record<string, { label: string | null; boxes: number[][] | null }> = {};
  for (const item of readDataset(format, dir)) {
    const boxes =
      item.boxes?.map((b) => [b.left, b.top, b.right, b.bottom].map((v) => Math.round(v * 1000) / 1000)) ??
      null;
    out[sha(await item.read())] = { label: boxes ? null : item.label, boxes };
  }
  return out;
}

describe('io against a real cloud', () => {
  let brick: string;
  let sweets: string;
  let sweetsYolo: string;

  it('login: a wrong token says to run io login; a good one is stored with mode 0600 (the real bin)', () => {
    const run = (token: string) =>
      spawnSync(process.execPath, [BIN, 'login', '--url', cloud.url, '--token', token], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
    const bad = run('io_not_a_real_token_000000000');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('refused the API token (401): run io login');
    const good = run(cloud.token);
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('as admin');
    expect(statSync(env.IO_CONFIG!).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(env.IO_CONFIG!, 'utf8'))).toEqual({ url: cloud.url, token: cloud.token });
  });

  it('detectors create, list, update; clear errors for a bad mode configuration and an unknown detector', async () => {
    brick = (
      await json<{ id: string }>('detectors', 'create', '--name', 'brick', '--query', 'Is the surface brick?')
    ).id;
    sweets = (
      await json<{ id: string }>(
        ...['detectors', 'create', '--name', 'sweets', '--query', 'Where are the sweets?'],
        ...['--mode', 'BOUNDING_BOX', '--class-name', 'sweet', '--max-count', '20'],
      )
    ).id;
    sweetsYolo = (
      await json<{ id: string }>(
        ...['detectors', 'create', '--name', 'sweets-yolo', '--query', 'Where are the sweets?'],
        ...['--mode', 'BOUNDING_BOX', '--class-name', 'sweet'],
      )
    ).id;
    const noClasses = await io(
      'detectors',
      'create',
      '--name',
      'x',
      '--query',
      'q?',
      '--mode',
      'MULTI_CLASS',
    );
    expect(noClasses.code).toBe(1);
    expect(noClasses.stderr).toContain('needs --classes');

    const list = await json<{ id: string; name: string }[]>('detectors', 'list');
    expect(list.map((d) => d.name).sort()).toEqual(['brick', 'sweets', 'sweets-yolo']);
    const human = await io('detectors', 'list');
    expect(human.stdout).toMatch(/^ID\s+NAME\s+MODE/);

    const updated = await json<{ confidence_threshold: number }>(
      'detectors',
      'update',
      'brick',
      '--threshold',
      '0.8',
    );
    expect(updated.confidence_threshold).toBe(0.8);
    const missing = await io('detectors', 'get', 'no-such-detector');
    expect(missing.stderr).toContain('No detector is named "no-such-detector": see io detectors list.');
  });

  it('imports ImageFolder, COCO and YOLO; running an import again adds nothing', async () => {
    const folder = await json<{ images: number; labelled: number; classes: Record<string, number> }>(
      ...['import', join(FIXTURES, 'imagefolder'), '--detector', 'brick', '--format', 'imagefolder'],
    );
    expect(folder).toMatchObject({ images: 16, labelled: 16, classes: { YES: 8, NO: 8 } });
    const again = await json(
      'import',
      join(FIXTURES, 'imagefolder'),
      '--detector',
      brick,
      '--format',
      'imagefolder',
    );
    expect(again).toMatchObject({ images: 16, labelled: 0, already_labelled: 16 });

    const coco = await json('import', join(FIXTURES, 'coco'), '--detector', 'sweets', '--format', 'coco');
    expect(coco).toMatchObject({ images: 2, labelled: 2, classes: { BOUNDING_BOX: 1, NO_OBJECTS: 1 } });
    const yolo = await json(
      'import',
      join(FIXTURES, 'yolo'),
      '--detector',
      'sweets-yolo',
      '--format',
      'yolo',
    );
    expect(yolo).toMatchObject({ images: 1, labelled: 1, classes: { BOUNDING_BOX: 1 } });

    // A bounding-box detector cannot take an ImageFolder: refused before anything is uploaded.
    const wrong = await io(
      'import',
      join(FIXTURES, 'imagefolder'),
      '--detector',
      'sweets',
      '--format',
      'imagefolder',
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('a bounding-box detector needs boxes');
  });

  it('exports each detector in each format; read back, every image has the label and boxes it was imported with', async () => {
    const brickIn = await contentOf('imagefolder', join(FIXTURES, 'imagefolder'));
    expect(Object.keys(brickIn)).toHaveLength(16);
    for (const format of ['imagefolder', 'coco', 'yolo'] as const) {
      const out = join(tmp, `brick-${format}`);
      const r = await json('export', '--detector', brick, '--format', format, '--out', out);
      expect(r).toMatchObject({ images: 16, classes: { YES: 8, NO: 8 } });
      expect(await contentOf(format, out), format).toEqual(brickIn);
    }

    const sweetsIn = await contentOf('coco', join(FIXTURES, 'coco'));
    expect(Object.values(sweetsIn).map((v) => v.boxes?.length)).toEqual([14, 0]);
    for (const format of ['coco', 'yolo'] as const) {
      const out = join(tmp, `sweets-${format}`);
      await json('export', '--detector', sweets, '--format', format, '--out', out);
      expect(await contentOf(format, out), format).toEqual(sweetsIn);
    }
    const yoloOut = join(tmp, 'sweets-yolo-yolo');
    await json('export', '--detector', sweetsYolo, '--format', 'yolo', '--out', yoloOut);
    expect(await contentOf('yolo', yoloOut)).toEqual(await contentOf('yolo', join(FIXTURES, 'yolo')));
    expect(readFileSync(join(yoloOut, 'data.yaml'), 'utf8')).toContain('- sweet');

    const boxesAsFolders = await io(
      'export',
      '--detector',
      sweets,
      '--format',
      'imagefolder',
      '--out',
      join(tmp, 'x'),
    );
    expect(boxesAsFolders.stderr).toContain(
      'ImageFolder cannot hold boxes: export a bounding-box detector with --format coco or yolo',
    );
    const notEmpty = await io(
      'export',
      '--detector',
      brick,
      '--format',
      'coco',
      '--out',
      join(tmp, 'brick-coco'),
    );
    expect(notEmpty.stderr).toContain('is not empty');
  });

  it('trains now and waits, exports the published packages, and rolls back to an earlier version', async () => {
    const none = await io('models', 'export', '--detector', brick, '--out', join(tmp, 'models-none'));
    expect(none.stderr).toContain(`has no published model versions yet: run io train --detector ${brick}`);

    const job = await json<{ state: string; outcome: string; trigger: string }>(
      'train',
      '--detector',
      'brick',
      '--wait',
    );
    expect(job).toMatchObject({ state: 'SUCCEEDED', outcome: 'PUBLISHED', trigger: 'MANUAL' });
    const jobs = await json<{ state: string }[]>('jobs', '--detector', brick);
    expect(jobs.map((j) => j.state)).toEqual(['SUCCEEDED']);

    const modelsDir = join(tmp, 'models');
    const manifest = await json<{ files: { file: string; kind: string; version: number; sha256: string }[] }>(
      'models',
      'export',
      '--detector',
      brick,
      '--out',
      modelsDir,
    );
    expect(manifest.files.map((f) => `${f.kind}-v${f.version}`).sort()).toEqual(['oodd-v1', 'primary-v1']);
    for (const f of manifest.files) expect(sha(readFileSync(join(modelsDir, f.file)))).toBe(f.sha256);
    expect(readdirSync(modelsDir).sort()).toEqual(['manifest.json', 'oodd-v1.buf', 'primary-v1.buf']);

    const nothingEarlier = await io('rollback', '--detector', brick);
    expect(nothingEarlier.stderr).toContain('No primary version to roll back to (versions: v1 PUBLISHED)');

    // An admin publishes v2 (the same package, uploaded again); rollback returns to v1.
    const v2 = await gql<{ createModelVersion: { modelVersion: { id: string; number: number } } }>(
      `mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { ok modelVersion { id number } } }`,
      {
        input: {
          detectorId: brick,
          kind: 'primary',
          packageBase64: readFileSync(join(modelsDir, 'primary-v1.buf')).toString('base64'),
        },
      },
    );
    expect(v2.createModelVersion.modelVersion.number).toBe(2);
    await gql(`mutation($id: ID!) { publishModelVersion(id: $id) { ok } }`, {
      id: v2.createModelVersion.modelVersion.id,
    });
    const back = await json<{ from: number; primary: { number: number; state: string } }>(
      'rollback',
      '--detector',
      brick,
    );
    expect(back).toMatchObject({ from: 2, primary: { number: 1, state: 'PUBLISHED' } });
    const versions = await json<{ kind: string; number: number; state: string }[]>(
      'models',
      'list',
      '--detector',
      brick,
    );
    expect(
      versions
        .filter((v) => v.kind === 'primary')
        .map((v) => `${v.number}:${v.state}`)
        .sort(),
    ).toEqual(['1:PUBLISHED', '2:RETIRED']);
  });

  it('users, tokens and hubs: a new reviewer signs in with the token io made', async () => {
    const user = await json<{ username: string; role: string }>(
      'users',
      'create',
      '--username',
      'rita',
      '--email',
      'rita@example.com',
      '--role',
      'REVIEWER',
    );
    expect(user).toMatchObject({ username: 'rita', role: 'REVIEWER' });
    expect((await json<{ username: string }[]>('users', 'list')).map((u) => u.username).sort()).toEqual([
      'admin',
      'rita',
    ]);
    const { token } = await json<{ token: string }>('tokens', 'create', '--name', 'laptop', '--user', 'rita');
    const me = await fetch(`${cloud.url}/v1/me`, { headers: { 'x-api-token': token } });
    expect(((await me.json()) as { username: string }).username).toBe('rita');
    // A reviewer may not create detectors: the message says to log in as an admin.
    const asRita = await runWith(
      { IO_URL: cloud.url, IO_TOKEN: token },
      'detectors',
      'create',
      '--name',
      'r',
      '--query',
      'q?',
    );
    expect(asRita.stderr).toContain('log in with an ADMIN token');

    // Tokens: listed without their secret, revoked by snippet; a disabled user's tokens stop, enabled again work.
    const status = async (t: string) =>
      (await fetch(`${cloud.url}/v1/me`, { headers: { 'x-api-token': t } })).status;
    const listed = await json<{ name: string; snippet: string; revokedAt: string | null }[]>(
      ...['tokens', 'list', '--user', 'rita'],
    );
    expect(listed).toMatchObject([{ name: 'laptop', revokedAt: null }]);
    expect(JSON.stringify(listed)).not.toContain(token);
    const revoked = await json<{ revokedAt: string }>(
      'tokens',
      'revoke',
      `${listed[0]!.snippet}…`,
      '--user',
      'rita',
    );
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect(await status(token)).toBe(401);
    const missing = await io('tokens', 'revoke', 'nope', '--user', 'rita');
    expect(missing.stderr).toContain('No token "nope" of rita: see io tokens list --user rita.');
    const second = (await json<{ token: string }>('tokens', 'create', '--name', 'phone', '--user', 'rita'))
      .token;
    expect(await status(second)).toBe(200);
    expect(await json('users', 'disable', 'rita')).toMatchObject({
      username: 'rita',
      disabledAt: expect.any(String),
    });
    expect(await status(second)).toBe(401);
    expect(await json('users', 'enable', 'rita')).toMatchObject({ username: 'rita', disabledAt: null });
    expect(await status(second)).toBe(200);

    const hub = await json<{
      hub: { id: string; name: string; assignedDetectorIds: string[] | null };
      token: string;
    }>('hubs', 'register', '--name', 'line-1');
    expect(hub.hub.name).toBe('line-1');
    const hubMe = await fetch(`${cloud.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-token': hub.token },
      body: JSON.stringify({ query: '{ me { role name } }' }),
    });
    expect(await hubMe.json()).toEqual({ data: { me: { role: 'HUB', name: 'line-1' } } });
    const rotated = await json<{ token: string }>('hubs', 'rotate-token', 'line-1');
    expect(rotated.token).not.toBe(hub.token);
    const old = await fetch(`${cloud.url}/v1/me`, { headers: { 'x-api-token': hub.token } });
    expect(old.status).toBe(401);

    // A new hub sees no detector; limited to one it sees only that one; --all gives it every detector.
    const hubDetectors = async () => {
      const res = await fetch(`${cloud.url}/v1/detectors`, { headers: { 'x-api-token': rotated.token } });
      return ((await res.json()) as { results: { name: string }[] }).results.map((d) => d.name).sort();
    };
    expect(hub.hub).toMatchObject({ assignedDetectorIds: [] });
    expect(await hubDetectors()).toEqual([]);
    const limited = await json<{ assignedDetectorIds: string[] }>(
      'hubs',
      'allow',
      'line-1',
      '--detectors',
      'brick',
    );
    expect(limited.assignedDetectorIds).toEqual([brick]);
    expect(await hubDetectors()).toEqual(['brick']);
    expect((await io('hubs', 'list')).stdout).toContain(brick);
    expect(await json('hubs', 'allow', 'line-1', '--all')).toMatchObject({ assignedDetectorIds: null });
    expect(await hubDetectors()).toEqual(['brick', 'sweets', 'sweets-yolo']);
    expect((await io('hubs', 'allow', 'line-1')).stderr).toContain('Give either --detectors a,b or --all.');
    expect((await json<{ name: string }[]>('hubs', 'list')).map((h) => h.name)).toEqual(['line-1']);
  });

  it('edge status and hubs assign against a real edge-gateway', async () => {
    const edge = await startEdge(cloud);
    try {
      const unreachable = await io('edge', 'status', '--url', 'http://127.0.0.1:9');
      expect(unreachable.code).toBe(1);
      // Port 9 is one fetch refuses to dial: the reason is shown as it is.
      expect(unreachable.stderr).toContain('Cannot reach the edge at http://127.0.0.1:9 (bad port)');

      const assigned = await json<{ detectors: { detector_id: string; edge_inference_config: string }[] }>(
        ...[
          'hubs',
          'assign',
          '--edge',
          edge.url,
          '--detector',
          'brick',
          '--preset',
          'edge_answers_with_escalation',
        ],
      );
      expect(assigned.detectors).toContainEqual({
        detector_id: brick,
        edge_inference_config: 'edge_answers_with_escalation',
      });
      expect((await fetch(`${edge.url}/edge-config`)).status).toBe(401);
      const config = (await (
        await fetch(`${edge.url}/edge-config`, { headers: { 'x-api-token': cloud.token } })
      ).json()) as typeof assigned;
      expect(config.detectors.map((d) => d.detector_id)).toContain(brick);
      const badPreset = await io(
        'hubs',
        'assign',
        '--edge',
        edge.url,
        '--detector',
        brick,
        '--preset',
        'fast',
      );
      expect(badPreset.stderr).toContain('The edge has no preset fast: use one of default');

      const refused = await io('edge', 'status', '--url', edge.url, '--token', 'not-a-token-at-all-0123');
      expect(refused.stderr).toContain(`The edge at ${edge.url} refused the API token (401)`);
      const status = await io('--json', 'edge', 'status', '--url', edge.url);
      const body = JSON.parse(status.stdout) as {
        ready: boolean;
        detectors: { id: string; ready: boolean }[];
      };
      // brick has a published model but no inference service runs here: not ready at this edge.
      expect(body.detectors).toEqual([{ id: brick, ready: false }]);
      // No inference service here: the edge is not ready to answer at the edge, and io says so with exit 1.
      expect(status.code).toBe(body.ready ? 0 : 1);
    } finally {
      await edge.stop();
    }
  });

  it('delete asks for --yes, then removes the detector', async () => {
    const refused = await io('detectors', 'delete', 'sweets-yolo');
    expect(refused.stderr).toContain('add --yes');
    expect(await json('detectors', 'delete', 'sweets-yolo', '--yes')).toEqual({ deleted: sweetsYolo });
    expect((await json<{ name: string }[]>('detectors', 'list')).map((d) => d.name).sort()).toEqual([
      'brick',
      'sweets',
    ]);
  });
});

async function runWith(extra: Record<string, string>, ...args: string[]) {
  let stderr = '';
  const code = await runCli(args, {
    stdout: () => {},
    stderr: (s) => (stderr += s),
    env: { ...env, ...extra },
    interactive: false,
  });
  return { code, stderr };
}

async function gql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${cloud.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-token': cloud.token },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data;
}
