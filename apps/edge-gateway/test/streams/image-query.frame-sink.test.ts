/** The FrameSink adapter: one image query per detector through ImageQueryService.submit, as REST would. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IntelliOpticsError, SubmitImageQueryParamsSchema, decodeMetadata } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import type { SubmitRequest, SubmitResponse } from '../../src/image-queries/image-query.service';
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
  const calls: SubmitRequest[] = [];
  const state = { calls, inFlight: 0, maxInFlight: 0 };
  return Object.assign(state, {
    submit: async (req: SubmitRequest): Promise<SubmitResponse> => {
      calls.push(req);
      state.maxInFlight = Math.max(state.maxInFlight, ++state.inFlight);
      await new Promise((r) => setTimeout(r, 20));
      state.inFlight -= 1;
      const error = fail(req.query.get('detector_id') ?? '');
      if (error) throw error;
      return { status: 200, json: '{}', edgeOnly: false, reason: 'CONFIDENT' };
    },
  });
}

describe('createImageQueryFrameSink', () => {
  it('submits the frame once per detector, with the edge token and REST-valid parameters', async () => {
    const service = fakeService();
    const sink = createImageQueryFrameSink({ imageQueries: service, token: 'edge-token' });
    await sink(frame);
    expect(service.calls.map((c) => c.query.get('detector_id'))).toEqual([DET_A, DET_B]);
    for (const call of service.calls) {
      expect(call).toMatchObject({ token: 'edge-token', contentType: 'image/jpeg' });
      expect(call.body).toBe(image);
      // The real service validates the query with this schema: a parameter it refuses would fail every frame.
      expect(SubmitImageQueryParamsSchema.safeParse(Object.fromEntries(call.query)).success).toBe(true);
      expect(decodeMetadata(call.query.get('metadata'))).toEqual({
        ok: true,
        value: { source: 'stream', stream: 'dock_door', captured_at: '2026-11-27T04:00:00.000Z' },
      });
    }
  });

  it('runs the detectors concurrently and rejects with every failure named', async () => {
    const service = fakeService((id) =>
      id === DET_B ? new IntelliOpticsError('DETECTOR_NOT_FOUND', 'no such detector') : null,
    );
    const sink = createImageQueryFrameSink({ imageQueries: service, token: 'edge-token' });
    await expect(sink(frame)).rejects.toThrow(
      `image query failed for 1 of 2 detector(s): ${DET_B}: DETECTOR_NOT_FOUND no such detector`,
    );
    expect(service.maxInFlight).toBe(2);
    expect(service.calls).toHaveLength(2);
  });

  it('hands the whole frame to a multi-detector entry point when one is given', async () => {
    const service = fakeService();
    const seen: { frame: StreamFrame; metadata: string }[] = [];
    const sink = createImageQueryFrameSink({
      imageQueries: service,
      token: 'edge-token',
      submitFrame: async (f, metadata) => {
        seen.push({ frame: f, metadata });
      },
    });
    await sink(frame);
    expect(service.calls).toHaveLength(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.frame.detectorIds).toEqual([DET_A, DET_B]);
    expect(decodeMetadata(seen[0]!.metadata).value).toMatchObject({ stream: 'dock_door' });
  });
});
