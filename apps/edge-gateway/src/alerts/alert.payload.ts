/**
 * What a webhook receives: without a template, the alert (AlertEvent) as JSON, with `image` ({content_type,
 * data_base64}) when the action asks for it; with a template, the template rendered. Templates use
 * Groundlight's Jinja style for the common case: `{{ field }}` inserts the value escaped for a JSON string
 * (the template's own quotes around it), `{{ field | tojson }}` inserts it as JSON. An unknown field renders
 * empty, as Jinja's undefined. A template that renders to valid JSON is sent as application/json, else as
 * text/plain.
 *
 * Signature (with ALERT_WEBHOOK_SECRET): `X-IntelliOptics-Signature: t=<unix s>,v1=<hex>` where hex is
 * HMAC-SHA256(secret, `${t}.${body}`); a receiver recomputes it over the raw body and refuses an old `t`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AlertEvent, WebhookAction } from '@intellioptics/schema';

export interface AlertImage {
  contentType: string;
  bytes: Buffer;
}

export const SIGNATURE_HEADER = 'x-intellioptics-signature';
export const ALERT_ID_HEADER = 'x-intellioptics-alert-id';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\|\s*tojson\s*)?\}\}/g;

export function renderTemplate(template: string, fields: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_, name: string, tojson: string | undefined) => {
    const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (tojson) return JSON.stringify(value ?? null);
    if (value === undefined || value === null) return '';
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return JSON.stringify(text).slice(1, -1);
  });
}

export interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
}

export function webhookRequest(
  event: AlertEvent,
  action: WebhookAction,
  image: AlertImage | null,
): WebhookRequest {
  const withImage = action.include_image && image;
  const imageFields = withImage
    ? { image_content_type: image.contentType, image_base64: image.bytes.toString('base64') }
    : {};
  const template = action.payload_template?.template;
  const extra = action.payload_template?.headers ?? {};
  if (!template) {
    const body = withImage
      ? { ...event, image: { content_type: image.contentType, data_base64: imageFields.image_base64 } }
      : event;
    return { body: JSON.stringify(body), headers: { ...extra, 'content-type': 'application/json' } };
  }
  const body = renderTemplate(template, { ...event, ...imageFields });
  let json = true;
  try {
    JSON.parse(body);
  } catch {
    json = false;
  }
  return {
    body,
    headers: { 'content-type': json ? 'application/json' : 'text/plain; charset=utf-8', ...extra },
  };
}

export function signature(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** A receiver's check (used by the tests; the shape a receiver in any language implements). */
export function verifySignature(
  secret: string,
  body: string,
  header: string | undefined,
  nowSeconds: number,
  toleranceS = 300,
): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowSeconds - t) > toleranceS) return false;
  const want = Buffer.from(signature(secret, body, t).split('v1=')[1]!, 'hex');
  return timingSafeEqual(want, Buffer.from(m[2]!, 'hex'));
}
