import { describe, expect, it } from 'vitest';
import { escalationBody, isMultipart, readEscalationBody } from './escalation-body';
import type { Explanation } from './explanation';

const explanation: Explanation = {
  image_query_id: 'iq_1',
  label: 'YES',
  confidence: 0.9,
  steps: [{ kind: 'decision', text: 'Answered at the edge.', data: { reason: 'CONFIDENT' } }],
  evidence: { rows: 1, cols: 2, values: [0, 1], label: 'YES' },
  neighbors: [],
};
// Bytes that contain CRLFs and a boundary-like run, to show the image is kept byte for byte.
const image = Uint8Array.from([0xff, 0xd8, 13, 10, 45, 45, 105, 111, 13, 10, 13, 10, 0, 0xff, 0xd9]);

describe('escalation body', () => {
  it('round-trips the image bytes, their type and the explanation', () => {
    const { body, contentType } = escalationBody(image, 'image/jpeg', explanation);
    expect(isMultipart(contentType)).toBe(true);
    const read = readEscalationBody(body, contentType);
    expect(read.imageType).toBe('image/jpeg');
    expect([...read.image]).toEqual([...image]);
    expect(read.explanation).toEqual(explanation);
  });

  it.each([
    ['no boundary', (b: Buffer) => b, 'multipart/form-data', /needs a boundary/],
    [
      'no image part',
      () => Buffer.from('--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n'),
      'multipart/form-data; boundary=x',
      /no "image" part/,
    ],
    [
      'explanation not JSON',
      () =>
        Buffer.from(
          '--x\r\nContent-Disposition: form-data; name="explanation"\r\n\r\n{\r\n--x\r\nContent-Disposition: form-data; name="image"\r\n\r\nab\r\n--x--\r\n',
        ),
      'multipart/form-data; boundary=x',
      /not JSON/,
    ],
    [
      'explanation off the contract',
      () =>
        Buffer.from(
          '--x\r\nContent-Disposition: form-data; name="explanation"\r\n\r\n{"steps":1}\r\n--x\r\nContent-Disposition: form-data; name="image"\r\n\r\nab\r\n--x--\r\n',
        ),
      'multipart/form-data; boundary=x',
      /^explanation: /,
    ],
    [
      'not closed',
      () => Buffer.from('--x\r\nContent-Disposition: form-data; name="image"\r\n\r\nab'),
      'multipart/form-data; boundary=x',
      /not closed/,
    ],
  ])('%s → BAD_REQUEST', (_name, make, type, message) => {
    const { body } = escalationBody(image, 'image/jpeg', explanation);
    expect(() => readEscalationBody(make(body), type)).toThrow(message);
  });
});
