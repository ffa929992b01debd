/**
 * The `npm start` demo (skipped with IO_DEMO=0): two detectors made from the repo's real fixtures, and a
 * simulated camera that sends a real frame to the edge every second.
 * - "Is the surface brick?" gets a starter model at once (brick tiles = YES, grass and gravel = NO), so the edge
 *   answers it from the first frame and escalates only what it is unsure of.
 * - "Is the street busy?" starts with no model: every frame is escalated to the review UI; once reviewers label a
 *   handful per class the training worker publishes a model, the edge downloads it, and the escalation rate falls.
 * What was seeded is kept in $IO_HOME/demo.json, so a second start reuses it.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildStarterModel } from './build-starter-model';

interface DemoState {
  detectors: { id: string; name: string; frames: string[] }[];
}

const TEXTURES = 'libs/vision/test/fixtures/textures';
const STREET = 'apps/edge-gateway/test/streams/fixtures';
const images = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .map((f) => join(dir, f));

async function createDetector(cloud: string, token: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${cloud}/device-api/v1/detectors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-token': token },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { id?: string; detail?: string };
  if (!res.ok || !json.id)
    throw new Error(`creating detector "${String(body.name)}": ${json.detail ?? res.status}`);
  return json.id;
}

export async function seedDemo(opts: {
  root: string;
  ioHome: string;
  cloud: string;
  token: string;
  say: (line: string) => void;
}): Promise<DemoState> {
  const file = join(opts.ioHome, 'demo.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoState;

  const textures = join(opts.root, TEXTURES);
  const brick = images(join(textures, 'brick'));
  const others = [...images(join(textures, 'grass')), ...images(join(textures, 'gravel'))];
  const street = images(join(opts.root, STREET));

  const brickId = await createDetector(opts.cloud, opts.token, {
    name: 'demo: brick surface',
    query: 'Is the surface brick?',
    confidence_threshold: 0.8,
  });
  // A labelled folder (YES/NO) for the starter model, from the same real tiles the camera will show.
  const data = join(opts.ioHome, 'demo-data');
  for (const [label, files] of [
    ['YES', brick],
    ['NO', others],
  ] as const) {
    mkdirSync(join(data, label), { recursive: true });
    for (const f of files) copyFileSync(f, join(data, label, f.split('/').pop()!));
  }
  opts.say('building the starter model for "Is the surface brick?"');
  await buildStarterModel({
    detectorId: brickId,
    dataDir: data,
    mode: 'BINARY',
    ioHome: opts.ioHome,
    progress: (l) => opts.say(`  ${l}`),
  });
  const streetId = await createDetector(opts.cloud, opts.token, {
    name: 'demo: busy street',
    query: 'Is the street busy?',
    confidence_threshold: 0.85,
  });
  const state: DemoState = {
    detectors: [
      { id: brickId, name: 'Is the surface brick?', frames: [...brick, ...others] },
      { id: streetId, name: 'Is the street busy?', frames: street },
    ],
  };
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/**
 * With a local RTSP server available (GStreamer's, see tools/rtsp-demo-server.ts), the street detector watches a
 * real RTSP stream of the street frames through the edge's camera manager instead of the simulated camera: the
 * stream goes into edge-config.yaml, which the gateway hot-reloads. Returns the detectors left for the simulated
 * camera.
 */
export function configureDemoStream(opts: { ioHome: string; state: DemoState; rtspUrl: string }): DemoState {
  const street = opts.state.detectors.find((d) => d.name === 'Is the street busy?');
  if (!street) return opts.state;
  const dir = join(opts.ioHome, 'config');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'edge-config.yaml');
  if (!existsSync(file) || !readFileSync(file, 'utf8').includes('streams:')) {
    writeFileSync(
      file,
      [
        '# Written by the npm start demo: the street camera feeds "Is the street busy?".',
        'global_config: { refresh_rate: 60, confident_audit_rate: 0.001 }',
        'detectors:',
        `  - { detector_id: ${street.id}, edge_inference_config: default }`,
        'streams:',
        `  street_cam: { url: "${opts.rtspUrl}", detector_ids: [${street.id}], interval_s: 2, motion: { threshold: 0.02, max_interval_s: 30 } }`,
        '',
      ].join('\n'),
    );
  }
  return { detectors: opts.state.detectors.filter((d) => d !== street) };
}

/** Sends one real frame a second to the edge, round robin over the detectors; prints a summary a minute. */
export function startSimulatedCamera(opts: {
  edge: string;
  token: string;
  state: DemoState;
  say: (line: string) => void;
}): () => void {
  let tick = 0;
  const counts = { edge: 0, escalated: 0, errors: 0 };
  const send = async () => {
    const d = opts.state.detectors[tick % opts.state.detectors.length]!;
    const frame = d.frames[Math.floor(tick / opts.state.detectors.length) % d.frames.length]!;
    tick++;
    try {
      const res = await fetch(`${opts.edge}/device-api/v1/image-queries?detector_id=${d.id}`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg', 'x-api-token': opts.token },
        body: readFileSync(frame),
        signal: AbortSignal.timeout(10_000),
      });
      const iq = (await res.json()) as { result?: { from_edge?: boolean } | null; done_processing?: boolean };
      if (!res.ok) counts.errors++;
      else if (iq.result?.from_edge && iq.done_processing) counts.edge++;
      else counts.escalated++;
    } catch {
      counts.errors++;
    }
  };
  const frames = setInterval(() => void send(), 1000);
  const summary = setInterval(() => {
    opts.say(
      `simulated camera, last minute: ${counts.edge} answered at the edge, ${counts.escalated} escalated, ${counts.errors} errors`,
    );
    counts.edge = counts.escalated = counts.errors = 0;
  }, 60_000);
  return () => {
    clearInterval(frames);
    clearInterval(summary);
  };
}
