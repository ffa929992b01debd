/** The FrameSink adapter: one typed frame command per camera frame, for all of its detectors at once. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IntelliOpticsError } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import type { FrameAnswer, SubmitFrame } from '../../src/image-queries/submit-image-query';
import { createImageQueryFrameSink } from '../../src/streams/image-query.frame-sink';
import type { StreamFrame } from '../../src/streams/stream.types';
import { FIXTURES_DIR } from './rtsp-test.server';
import { DET_A, DET_B } from './stream.support';

const image = readFileSync(resolve(FIXTURES_DIR, 'street_001.jpg'));
const frame: StreamFrame = {
  streamName: 'dock_door',
  detectorIds: [DET_A, DET_B],
  image,
  contentType: 'image/jpeg',
  capturedAt: new Date('2026-11-27T04:00:00.000Z'),
};

function fakeService(fail: (detectorId: string) => Error | null = () => null) {
  const calls: SubmitFrame[] = [];
  return {
    calls,
    submitFrame: async (f: SubmitFrame): Promise<FrameAnswer[]> => {
      calls.push(f);
      return f.detectorIds.map((detectorId): FrameAnswer => {
        const error = fail(detectorId);
        return error
          ? { detectorId, ok: false, error }
          : {
              detectorId,
              ok: true,
              answer: {
                imageQuery: {} as never,
                json: '{}',
                reason: 'CONFIDENT',
                answeredBy: 'edge',
                edgeResult: null,
              },
            };
      });
    },
  };
}

describe('createImageQueryFrameSink', () => {
  it('submits the frame once for all its detectors, with the camera in the metadata', async () => {
    const service = fakeService();
    await createImageQueryFrameSink({ imageQueries: service, maxImagePixels: 40_000_000 })(frame);
    expect(service.calls).toHaveLength(1);
    expect(service.calls[0]!.detectorIds).toEqual([DET_A, DET_B]);
    expect(service.calls[0]!.image.bytes).toBe(image);
    expect(service.calls[0]!.image.info).toMatchObject({ format: 'jpeg', mime: 'image/jpeg' });
    expect(service.calls[0]!.metadata).toEqual({
      source: 'stream',
      stream: 'dock_door',
      captured_at: '2026-11-27T04:00:00.000Z',
    });
  });

  it('refuses a frame that is not a whole image before asking any detector', async () => {
    const service = fakeService();
    const sink = createImageQueryFrameSink({ imageQueries: service, maxImagePixels: 40_000_000 });
    await expect(sink({ ...frame, image: image.subarray(0, image.length - 200) })).rejects.toMatchObject({
      code: 'CORRUPT_IMAGE',
    });
    expect(service.calls).toHaveLength(0);
  });

  it('rejects with every failed detector named', async () => {
    const service = fakeService((id) =>
      id === DET_B ? new IntelliOpticsError('DETECTOR_NOT_FOUND', 'no such detector') : null,
    );
    await expect(
      createImageQueryFrameSink({ imageQueries: service, maxImagePixels: 40_000_000 })(frame),
    ).rejects.toThrow(
      `image query failed for 1 of 2 detector(s): ${DET_B}: DETECTOR_NOT_FOUND no such detector`,
    );
  });
});
