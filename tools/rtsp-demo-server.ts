/**
 * A local RTSP camera for the demo (`npm start`) and for trying `streams` by hand: runs the GStreamer RTSP
 * server of the stream tests (apps/edge-gateway/test/streams/rtsp-server.py, Debian's python3-gi) on loopback,
 * publishing the repo's street-camera frames.
 *
 *   tsx tools/rtsp-demo-server.ts [--port 8554] [--fps 10]   serves rtsp://127.0.0.1:<port>/street and /still
 *   tsx tools/rtsp-demo-server.ts --check                      exit 0 when GStreamer's python bindings are installed
 *
 * Needs: apt-get install -y --no-install-recommends gir1.2-gst-rtsp-server-1.0 python3-gi python3-gst-1.0
 *        gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly
 * Ctrl-C (SIGINT/SIGTERM) stops it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const streamsTest = resolve(root, 'apps/edge-gateway/test/streams');
const PYTHON = '/usr/bin/python3';
const APT =
  'apt-get install -y --no-install-recommends gir1.2-gst-rtsp-server-1.0 python3-gi python3-gst-1.0 ' +
  'gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly';

export function rtspDemoAvailable(): boolean {
  const probe = spawnSync(
    PYTHON,
    ['-c', "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"],
    { stdio: 'ignore' },
  );
  return probe.status === 0;
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env['RTSP_DEMO_PORT'] ?? '8554' },
    fps: { type: 'string', default: '10' },
    check: { type: 'boolean', default: false },
  },
});

if (!rtspDemoAvailable()) {
  console.error(`GStreamer's RTSP server for ${PYTHON} is not installed. Install it with:\n  ${APT}`);
  process.exit(1);
}
if (values.check) process.exit(0);

const child = spawn(
  PYTHON,
  [
    resolve(streamsTest, 'rtsp-server.py'),
    '--frames',
    resolve(streamsTest, 'fixtures/street_*.jpg'),
    '--port',
    values.port,
    '--fps',
    values.fps,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
child.stdout.setEncoding('utf8');
child.stdout.on('data', (text: string) => {
  const ready = /READY (\d+)/.exec(text);
  if (!ready) return void process.stdout.write(text);
  const base = `rtsp://127.0.0.1:${ready[1]}`;
  console.log(`RTSP demo camera: ${base}/street (people walking), ${base}/still (nothing moves)`);
  console.log(
    [
      'edge-config.yaml example:',
      'streams:',
      '  street:',
      `    url: ${base}/street`,
      '    detector_ids: [det_…]',
      '    fps: 1',
      '    motion: { threshold: 0.01, max_interval_s: 30 }',
    ].join('\n'),
  );
});
child.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 1)));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill('SIGTERM'));
