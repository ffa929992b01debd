import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '@intellioptics/schema';
import { renderTemplate, signature, verifySignature, webhookRequest } from './alert.payload';

const event: AlertEvent = {
  alert_id: 'alr_1',
  rule_id: 7,
  rule_name: 'Door "open"',
  detector_id: 'det_x',
  detector_name: 'door',
  verb: 'CHANGED_TO',
  image_query_id: 'iq_1',
  label: 'YES',
  confidence: 0.91,
  fired_at: '2026-12-02T20:00:00.000Z',
  source: 'edge-1',
  message: 'Door "open": door changed to YES',
};

describe('renderTemplate', () => {
  it.each([
    ['{"t": "{{ rule_name }}"}', '{"t": "Door \\"open\\""}'],
    ['{"c": {{ confidence | tojson }}, "l": {{label|tojson}}}', '{"c": 0.91, "l": "YES"}'],
    ['{"x": "{{ nothing }}", "n": {{ nothing | tojson }}}', '{"x": "", "n": null}'],
    ['{{ rule_id }} at {{ fired_at }}', '7 at 2026-12-02T20:00:00.000Z'],
  ])('%s', (template, want) => {
    expect(renderTemplate(template, { ...event })).toBe(want);
  });
});

describe('webhookRequest', () => {
  const image = { contentType: 'image/jpeg', bytes: Buffer.from([0xff, 0xd8, 0xff]) };

  it('sends the alert as JSON, with the image when asked', () => {
    const r = webhookRequest(event, { url: 'http://x', include_image: true }, image);
    expect(JSON.parse(r.body)).toEqual({
      ...event,
      image: { content_type: 'image/jpeg', data_base64: '/9j/' },
    });
    expect(r.headers['content-type']).toBe('application/json');
    const plain = webhookRequest(event, { url: 'http://x', include_image: false }, image);
    expect(JSON.parse(plain.body)).toEqual(event);
  });

  it('renders a template with its headers; a body that is not JSON goes as text', () => {
    const r = webhookRequest(
      event,
      {
        url: 'http://x',
        include_image: true,
        payload_template: {
          template: '{"text": "{{ message }}", "img": "{{ image_base64 }}"}',
          headers: { 'x-k': 'v' },
        },
      },
      image,
    );
    expect(JSON.parse(r.body)).toEqual({ text: event.message, img: '/9j/' });
    expect(r.headers).toMatchObject({ 'x-k': 'v', 'content-type': 'application/json' });
    const text = webhookRequest(
      event,
      { url: 'http://x', include_image: false, payload_template: { template: 'hi {{ label }}' } },
      null,
    );
    expect(text).toEqual({ body: 'hi YES', headers: { 'content-type': 'text/plain; charset=utf-8' } });
  });
});

describe('signature', () => {
  const secret = 'a-secret-of-16-chars';
  it('verifies its own signature and refuses a changed body, another key or an old time', () => {
    const header = signature(secret, '{"a":1}', 1_000_000);
    expect(header).toMatch(/^t=1000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(secret, '{"a":1}', header, 1_000_010)).toBe(true);
    expect(verifySignature(secret, '{"a":2}', header, 1_000_010)).toBe(false);
    expect(verifySignature('another-secret-16ch', '{"a":1}', header, 1_000_010)).toBe(false);
    expect(verifySignature(secret, '{"a":1}', header, 1_000_000 + 301)).toBe(false);
    expect(verifySignature(secret, '{"a":1}', undefined, 1_000_000)).toBe(false);
  });
});
