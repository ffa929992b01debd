/** The pure parts of the stream manager: JPEG framing, motion score, backoff, ring, redaction, ffmpeg args. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFfmpegArgs, filterGraph, sampleRate } from '../../src/streams/ffmpeg.args';
import { FrameRing } from '../../src/streams/frame.ring';
import { JpegFrameSplitter } from '../../src/streams/jpeg-frame.splitter';
import { MOTION_FRAME_BYTES, MotionGate, changedFraction } from '../../src/streams/motion.gate';
import { ReconnectBackoff } from '../../src/streams/reconnect.backoff';
import { makeRedactor, redactUrl, secretPlaceholders } from '../../src/streams/stream-url.redact';
import { FIXTURES_DIR } from './rtsp-test.server';
import { DET_A, streamConfig } from './stream.support';

const jpeg = (n: number) => readFileSync(resolve(FIXTURES_DIR, `street_${String(n).padStart(3, '0')}.jpg`));

/** A JPEG whose COM segment contains FF D9 (an EOI pattern that is not an EOI). */
function jpegWithTrap(): Buffer {
  const real = jpeg(1);
  const text = Buffer.from([0x41, 0xff, 0xd9, 0x42, 0xff, 0xd8]);
  const com = Buffer.alloc(4);
  com.writeUInt16BE(0xfffe, 0);
  com.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([real.subarray(0, 2), com, text, real.subarray(2)]);
}

describe('JpegFrameSplitter', () => {
  it('cuts a byte stream of JPEGs into the same JPEGs, whatever the chunk boundaries', () => {
    const originals = [jpeg(1), jpegWithTrap(), jpeg(2), jpeg(3)];
    const stream = Buffer.concat(originals);
    for (const chunkSize of [1, 7, 4096, 65_536, stream.length]) {
      const splitter = new JpegFrameSplitter();
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i += chunkSize)
        out.push(...splitter.push(stream.subarray(i, i + chunkSize)));
      expect(out.map((b) => b.length)).toEqual(originals.map((b) => b.length));
      out.forEach((b, i) => expect(b.equals(originals[i]!)).toBe(true));
      expect(splitter.pendingBytes).toBe(0);
    }
  });

  it('skips garbage before a frame and bounds what it holds for an endless frame', () => {
    const splitter = new JpegFrameSplitter(1000);
    expect(splitter.push(Buffer.concat([Buffer.from('noise\xff'), jpeg(4)]))).toHaveLength(1);
    const endless = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]),
      Buffer.alloc(2000, 0x11),
    ]);
    expect(() => splitter.push(endless)).toThrow(/exceeded 1000 bytes/);
    expect(splitter.pendingBytes).toBe(0);
  });
});

describe('motion gating', () => {
  const grey = (value: number, changed = 0) => {
    const b = Buffer.alloc(MOTION_FRAME_BYTES, value);
    b.fill(value + 100, 0, changed);
    return b;
  };

  it('scores the fraction of pixels that moved more than the noise delta', () => {
    expect(changedFraction(grey(50), grey(50))).toBe(0);
    expect(changedFraction(grey(50), grey(60))).toBe(0); // 10 levels: noise
    expect(changedFraction(grey(50), grey(80))).toBe(1);
    expect(changedFraction(grey(50, MOTION_FRAME_BYTES / 4), grey(50))).toBe(0.25);
  });

  it('lets through the first frame, motion above the threshold, and a still scene every max interval', () => {
    const gate = new MotionGate(0.1, 2000);
    expect(gate.check(grey(50), 0)).toMatchObject({ submit: true, reason: 'first' });
    expect(gate.check(grey(50, 100), 500)).toMatchObject({ submit: false, reason: 'still' });
    expect(gate.check(grey(50), 1999)).toMatchObject({ submit: false });
    expect(gate.check(grey(50), 2000)).toMatchObject({ submit: true, reason: 'max_interval', score: 0 });
    // Compared with the last frame let through, not with the previous frame: slow drift adds up.
    expect(gate.check(grey(50, 300), 2100)).toMatchObject({ submit: false });
    const moved = gate.check(grey(50, 600), 2200);
    expect(moved).toMatchObject({ submit: true, reason: 'motion' });
    expect(moved.score).toBeCloseTo(600 / MOTION_FRAME_BYTES);
    expect(gate.check(grey(50, 600), 2300)).toMatchObject({ submit: false });
  });
});

describe('ReconnectBackoff', () => {
  it('doubles up to the cap, jitters downwards, and starts over after reset', () => {
    const top = new ReconnectBackoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 }, () => 0);
    expect(Array.from({ length: 6 }, () => top.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    top.reset();
    expect(top.next()).toBe(100);
    const low = new ReconnectBackoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 }, () => 1);
    expect(Array.from({ length: 5 }, () => low.next())).toEqual([50, 100, 200, 400, 500]);
  });
});

describe('FrameRing', () => {
  it('keeps the newest items and hands back the one it dropped', () => {
    const ring = new FrameRing<number>(2);
    expect(ring.push(1)).toBeUndefined();
    expect(ring.push(2)).toBeUndefined();
    expect(ring.push(3)).toBe(1);
    expect([ring.shift(), ring.shift(), ring.shift()]).toEqual([2, 3, undefined]);
  });
});

describe('credential redaction', () => {
  it('shows URLs without user info or query', () => {
    expect(redactUrl('rtsp://${U}:${P}@cam.local:554/Streaming/101')).toBe(
      'rtsp://***@cam.local:554/Streaming/101',
    );
    expect(redactUrl('rtsp://cam/live?user=a&password=b')).toBe('rtsp://cam/live?***');
    expect(redactUrl('rtsp://10.0.0.5/live')).toBe('rtsp://10.0.0.5/live');
  });

  it('finds the placeholders that hold secrets (user info and query, not the host)', () => {
    expect(secretPlaceholders('rtsp://${U}:${P}@${HOST}/x?token=${T}')).toEqual(['U', 'P', 'T']);
  });

  it('scrubs secrets, raw and URL-encoded, and URL user info from ffmpeg messages', () => {
    const redact = makeRedactor(['p@ss:word', 'ab']);
    expect(redact('rtsp://admin:p%40ss%3Aword@10.0.0.5/x: 401 Unauthorized')).toBe(
      'rtsp://***@10.0.0.5/x: 401 Unauthorized',
    );
    expect(redact('auth failed for p@ss:word')).toBe('auth failed for ***');
    expect(redact('table cab')).toBe('table cab'); // secrets shorter than 3 are left to the URL rule
  });
});

describe('ffmpeg arguments', () => {
  it('samples, crops, resizes and splits into a JPEG pipe and a grey motion pipe', () => {
    const config = streamConfig({
      url: 'rtsp://cam/x',
      detector_ids: [DET_A],
      interval_s: 4,
      crop: { x: 0.25, y: 0, width: 0.5, height: 1 },
      resize: { width: 224, height: 224 },
      transport: 'udp',
    });
    expect(sampleRate(config)).toBe(0.25);
    expect(filterGraph(config, 0.25)).toBe(
      '[0:v]fps=fps=0.25,crop=w=trunc(iw*0.5/2)*2:h=trunc(ih*1/2)*2:x=trunc(iw*0.25):y=trunc(ih*0),' +
        'scale=224:224,split=2[out][m];[m]scale=64:48:flags=area,format=gray[motion]',
    );
    const args = buildFfmpegArgs(config, 'rtsp://u:p@cam/x', { jpegQuality: 3, socketTimeoutMs: 5000 });
    expect(args.slice(args.indexOf('-rtsp_transport'), args.indexOf('-rtsp_transport') + 4)).toEqual([
      '-rtsp_transport',
      'udp',
      '-timeout',
      '5000000',
    ]);
    expect(args[args.indexOf('-i') + 1]).toBe('rtsp://u:p@cam/x');
    expect(args.filter((a) => a.startsWith('pipe:'))).toEqual(['pipe:1', 'pipe:3']);
  });

  it('uses fps as given and refuses a stream with no rate', () => {
    expect(sampleRate({ fps: 2.5 })).toBe(2.5);
    expect(sampleRate({})).toBeNull();
    expect(() =>
      buildFfmpegArgs({ url: 'rtsp://c/x', detector_ids: [DET_A], transport: 'tcp' }, 'rtsp://c/x', {
        jpegQuality: 3,
        socketTimeoutMs: 1000,
      }),
    ).toThrow(/neither fps nor interval_s/);
  });
});
