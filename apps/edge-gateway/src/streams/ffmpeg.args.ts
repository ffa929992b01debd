/**
 * The ffmpeg command line for one camera. One decode, then the sampling (`fps`), crop and resize run inside
 * ffmpeg, and the result leaves in two forms:
 * - pipe:1, JPEG (`image2pipe`, mjpeg): the bytes handed to the sink, exactly what a REST client would POST, so
 *   the gateway needs no encoder and the inference service decodes them like any other image query;
 * - pipe:3, a 64×48 grey raw copy of the same frame for motion gating (3 KB, compared in JS without decoding).
 * Node never touches full-size pixels: no per-frame encode or decode in the gateway process.
 */
import type { StreamConfig } from '@intellioptics/schema';
import { MOTION_HEIGHT, MOTION_WIDTH } from './motion.gate';

export interface FfmpegArgsOptions {
  /** mjpeg `-q:v` (2 = best … 31 = worst). */
  jpegQuality: number;
  /** Socket I/O timeout (ms): ffmpeg gives up on a silent camera. */
  socketTimeoutMs: number;
}

/** Frames per second the stream is sampled at. */
export function sampleRate(config: Pick<StreamConfig, 'fps' | 'interval_s'>): number | null {
  if (config.fps !== undefined && config.fps > 0) return config.fps;
  if (config.interval_s !== undefined && config.interval_s > 0) return 1 / config.interval_s;
  return null;
}

const num = (n: number): string => String(Number(n.toFixed(6)));

/** The `-filter_complex` graph: sample → crop → resize → split into [out] (JPEG) and [motion] (grey). */
export function filterGraph(config: StreamConfig, fps: number): string {
  const chain = [`fps=fps=${num(fps)}`];
  const { crop, resize } = config;
  if (crop) {
    // Even sizes keep 4:2:0 chroma whole; positions are truncated to whole pixels.
    chain.push(
      `crop=w=trunc(iw*${num(crop.width)}/2)*2:h=trunc(ih*${num(crop.height)}/2)*2` +
        `:x=trunc(iw*${num(crop.x)}):y=trunc(ih*${num(crop.y)})`,
    );
  }
  if (resize) chain.push(`scale=${resize.width}:${resize.height}`);
  chain.push('split=2[out][m]');
  return `[0:v]${chain.join(',')};[m]scale=${MOTION_WIDTH}:${MOTION_HEIGHT}:flags=area,format=gray[motion]`;
}

export function buildFfmpegArgs(config: StreamConfig, url: string, options: FfmpegArgsOptions): string[] {
  const fps = sampleRate(config);
  if (fps === null) throw new Error('the stream has neither fps nor interval_s');
  return [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    '-rtsp_transport',
    config.transport,
    '-timeout',
    String(Math.round(options.socketTimeoutMs * 1000)),
    // Start on the first keyframe quickly instead of buffering seconds of probe data.
    '-fflags',
    'nobuffer',
    '-flags',
    'low_delay',
    '-analyzeduration',
    '1000000',
    '-probesize',
    '1000000',
    '-i',
    url,
    '-an',
    '-sn',
    '-dn',
    '-filter_complex',
    filterGraph(config, fps),
    '-map',
    '[out]',
    '-f',
    'image2pipe',
    '-c:v',
    'mjpeg',
    '-pix_fmt',
    'yuvj420p',
    '-q:v',
    String(options.jpegQuality),
    '-flush_packets',
    '1',
    'pipe:1',
    '-map',
    '[motion]',
    '-f',
    'rawvideo',
    '-flush_packets',
    '1',
    'pipe:3',
  ];
}
