import { describe, expect, it } from 'vitest';
import { tinyJpeg, tinyPng } from '../test/support/images';
import { isIntelliOpticsError } from './errors';
import { encodeMetadata } from './rest';
import {
  assertImageContentType,
  buildSubmitQuery,
  parseSubmitImageQuery,
  parseSubmitImageQueryParameters,
  type SubmitImageQueryParameters,
} from './submit-command';

const DET = 'det_2fzmiwQTNBNpQbVUWkJmSlJBT3j';
/** What a query with only detector_id means. */
const DEFAULTS: SubmitImageQueryParameters = {
  detectorId: DET,
  confidenceThreshold: undefined,
  patienceTime: undefined,
  humanReview: 'DEFAULT',
  wantAsync: false,
  imageQueryId: undefined,
  inspectionId: undefined,
  metadata: null,
};

function problem(fn: () => unknown): { code: string; detail: string } | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (!isIntelliOpticsError(e)) throw e;
    return { code: e.code, detail: e.message };
  }
}

describe(assertImageContentType.name, () => {
  it.each([
    ['image/jpeg', null],
    ['IMAGE/PNG; charset=binary', null],
    ['application/octet-stream', null],
    [undefined, null],
    ['', null],
    ['text/plain', 'UNSUPPORTED_MEDIA_TYPE'],
    ['application/json', 'UNSUPPORTED_MEDIA_TYPE'],
    ['multipart/form-data; boundary=x', 'UNSUPPORTED_MEDIA_TYPE'],
  ])('%s → %s', (type, code) => {
    expect(problem(() => assertImageContentType(type))?.code ?? null).toBe(code);
  });

  it('answers with the reference message', () => {
    expect(problem(() => assertImageContentType('text/plain'))?.detail).toBe(
      'Request body must be image bytes',
    );
  });
});

describe(parseSubmitImageQueryParameters.name, () => {
  it('applies the defaults', () => {
    expect(parseSubmitImageQueryParameters(new URLSearchParams({ detector_id: DET }))).toEqual(DEFAULTS);
  });

  it('reads every parameter', () => {
    const q = new URLSearchParams({
      detector_id: DET,
      confidence_threshold: '0.75',
      patience_time: '12.5',
      human_review: 'ALWAYS',
      want_async: 'True',
      image_query_id: 'iq_abc123',
      inspection_id: 'insp_1',
      metadata: encodeMetadata({ line: 3 }),
    });
    expect(parseSubmitImageQueryParameters(q)).toEqual({
      detectorId: DET,
      confidenceThreshold: 0.75,
      patienceTime: 12.5,
      humanReview: 'ALWAYS',
      wantAsync: true,
      imageQueryId: 'iq_abc123',
      inspectionId: 'insp_1',
      metadata: { line: 3 },
    });
  });

  it.each([
    ['want_async=1', { want_async: '1' }, true],
    ['want_async=false', { want_async: 'false' }, false],
    ['want_async=0', { want_async: '0' }, false],
  ])('%s', (_what, extra, wantAsync) => {
    expect(
      parseSubmitImageQueryParameters(new URLSearchParams({ detector_id: DET, ...extra })).wantAsync,
    ).toBe(wantAsync);
  });

  it.each<[string, Record<string, string>, string, RegExp]>([
    ['no detector_id', {}, 'INVALID_PARAMETER', /^Missing query parameter detector_id$/],
    ['an empty detector_id', { detector_id: '' }, 'INVALID_PARAMETER', /detector_id/],
    [
      'human_review=SOMETIMES',
      { detector_id: DET, human_review: 'SOMETIMES' },
      'INVALID_PARAMETER',
      /^Invalid query parameter human_review: /,
    ],
    [
      'confidence_threshold=2',
      { detector_id: DET, confidence_threshold: '2' },
      'INVALID_PARAMETER',
      /confidence_threshold/,
    ],
    [
      'confidence_threshold=1.5',
      { detector_id: DET, confidence_threshold: '1.5' },
      'INVALID_PARAMETER',
      /confidence_threshold/,
    ],
    ['patience_time=-1', { detector_id: DET, patience_time: '-1' }, 'INVALID_PARAMETER', /patience_time/],
    ['want_async=yes', { detector_id: DET, want_async: 'yes' }, 'INVALID_PARAMETER', /want_async/],
    [
      'image_query_id=bad-id',
      { detector_id: DET, image_query_id: 'bad-id' },
      'INVALID_PARAMETER',
      /image_query_id must look like iq_/,
    ],
    [
      'metadata=%%%',
      { detector_id: DET, metadata: '%%%' },
      'INVALID_PARAMETER',
      /^Invalid query parameter metadata: /,
    ],
    ['metadata=!!!', { detector_id: DET, metadata: '!!!' }, 'INVALID_PARAMETER', /metadata/],
    [
      'metadata of a list',
      { detector_id: DET, metadata: encodeMetadata([1] as never) },
      'INVALID_PARAMETER',
      /JSON object/,
    ],
    [
      'metadata over 1 KiB',
      { detector_id: DET, metadata: encodeMetadata({ x: 'a'.repeat(1100) }) },
      'INVALID_PARAMETER',
      /1 KiB/,
    ],
    [
      'a NUL in inspection_id',
      { detector_id: DET, inspection_id: 'a\u0000b' },
      'INVALID_PARAMETER',
      /^Query parameter inspection_id contains a NUL character\.$/,
    ],
    [
      'a NUL in a metadata value',
      { detector_id: DET, metadata: encodeMetadata({ a: 'x\u0000' }) },
      'INVALID_PARAMETER',
      /^Query parameter metadata contains a NUL/,
    ],
    [
      'a NUL in a nested metadata key',
      { detector_id: DET, metadata: encodeMetadata({ a: [{ ['k\u0000']: 1 }] }) },
      'INVALID_PARAMETER',
      /metadata contains a NUL/,
    ],
    [
      'color=blue',
      { detector_id: DET, color: 'blue' },
      'UNKNOWN_PARAMETER',
      /^Invalid query parameters: color$/,
    ],
    ['colour and size', { detector_id: DET, colour: 'red', size: '2' }, 'UNKNOWN_PARAMETER', /colour, size/],
  ])('refuses %s', (_what, query, code, detail) => {
    const p = problem(() => parseSubmitImageQueryParameters(new URLSearchParams(query)));
    expect(p?.code).toBe(code);
    expect(p?.detail).toMatch(detail);
  });
});

describe('unknown parameters with onUnknown (the edge)', () => {
  it('ignores them, reports their names, and still parses the known ones', () => {
    const heard: string[][] = [];
    const p = parseSubmitImageQueryParameters(
      new URLSearchParams({ detector_id: DET, wait: '30', colour: 'red', want_async: 'True' }),
      { onUnknown: (names) => heard.push(names) },
    );
    expect(p).toMatchObject({ detectorId: DET, wantAsync: true });
    expect(heard).toEqual([['wait', 'colour']]);
  });

  it('still refuses a bad value of a known parameter, and says nothing when all are known', () => {
    const heard: string[][] = [];
    const onUnknown = (names: string[]) => heard.push(names);
    const bad = problem(() =>
      parseSubmitImageQueryParameters(
        new URLSearchParams({ detector_id: DET, wait: '1', human_review: 'X' }),
        {
          onUnknown,
        },
      ),
    );
    expect(bad?.code).toBe('INVALID_PARAMETER');
    parseSubmitImageQueryParameters(new URLSearchParams({ detector_id: DET }), { onUnknown });
    expect(heard).toEqual([['wait']]);
  });
});

describe(parseSubmitImageQuery.name, () => {
  const query = new URLSearchParams({ detector_id: DET });

  it('returns the command with the inspected image', () => {
    const body = tinyJpeg();
    const c = parseSubmitImageQuery({ query, contentType: 'image/jpeg', body });
    expect(c.detectorId).toBe(DET);
    expect(c.image.bytes).toBe(body);
    expect(c.image.info).toMatchObject({ format: 'jpeg', mime: 'image/jpeg', width: 8, height: 8 });
  });

  it('trusts the bytes over the header', () => {
    expect(parseSubmitImageQuery({ query, contentType: 'image/jpeg', body: tinyPng() }).image.info.mime).toBe(
      'image/png',
    );
  });

  it.each<[string, string | undefined, Record<string, string>, Uint8Array, string]>([
    [
      'a text body type before anything else',
      'text/plain',
      { color: 'blue' },
      Buffer.alloc(0),
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['parameters before the image', 'image/jpeg', { color: 'blue' }, Buffer.alloc(0), 'UNKNOWN_PARAMETER'],
    ['an empty body', 'image/jpeg', { detector_id: DET }, Buffer.alloc(0), 'EMPTY_BODY'],
    [
      'not an image',
      'image/jpeg',
      { detector_id: DET },
      Buffer.from('definitely not an image'),
      'NOT_AN_IMAGE',
    ],
    ['a truncated JPEG', 'image/jpeg', { detector_id: DET }, tinyJpeg().subarray(0, 100), 'CORRUPT_IMAGE'],
  ])('refuses %s', (_what, contentType, q, body, code) => {
    expect(
      problem(() => parseSubmitImageQuery({ query: new URLSearchParams(q), contentType, body }))?.code,
    ).toBe(code);
  });

  it('passes the inspection options on (the edge: pixel limit, 415 for unknown bytes)', () => {
    const edge = { maxPixels: 10, unrecognised: 'UNSUPPORTED_IMAGE_FORMAT' } as const;
    const body = Buffer.from('hello world, not an image');
    expect(problem(() => parseSubmitImageQuery({ query, contentType: 'image/jpeg', body }, edge))?.code).toBe(
      'UNSUPPORTED_IMAGE_FORMAT',
    );
    expect(
      problem(() => parseSubmitImageQuery({ query, contentType: 'image/jpeg', body: tinyJpeg() }, edge))
        ?.code,
    ).toBe('IMAGE_TOO_LARGE');
  });
});

describe(buildSubmitQuery.name, () => {
  const base = DEFAULTS;
  it.each<[string, Partial<SubmitImageQueryParameters>]>([
    ['the defaults', {}],
    [
      'an escalation',
      { imageQueryId: 'iq_x1', patienceTime: 30, confidenceThreshold: 0.9, metadata: { reason: 'COOLDOWN' } },
    ],
    ['async, ALWAYS, inspection', { wantAsync: true, humanReview: 'ALWAYS', inspectionId: 'insp_9' }],
    ['a threshold of 0', { confidenceThreshold: 0, patienceTime: 0 }],
  ])('round-trips %s through the parser', (_what, extra) => {
    const params = { ...base, ...extra };
    expect(parseSubmitImageQueryParameters(buildSubmitQuery(params))).toEqual(params);
  });

  it('writes the wire names the SDK uses', () => {
    const q = buildSubmitQuery({ ...base, wantAsync: true, imageQueryId: 'iq_x1', metadata: { a: 1 } });
    expect(Object.fromEntries(q)).toEqual({
      detector_id: DET,
      image_query_id: 'iq_x1',
      human_review: 'DEFAULT',
      want_async: 'True',
      metadata: encodeMetadata({ a: 1 }),
    });
  });
});
