/**
 * The body of an edge's escalation when it carries the edge's explanation: `multipart/form-data` with an
 * `image` part (the image bytes, their own Content-Type) and an `explanation` part (application/json,
 * explanation.ts). The image query's metadata is capped at 1 kB, so the explanation travels beside it. A
 * plain image body (what Groundlight clients send) stays the common case; only the edge sends this form.
 * The edge builds it (`escalationBody`), the cloud reads it (`readEscalationBody`): one implementation.
 */
import { IntelliOpticsError } from './errors';
import { ExplanationSchema, type Explanation } from './explanation';

export const ESCALATION_IMAGE_PART = 'image';
export const ESCALATION_EXPLANATION_PART = 'explanation';
/** An explanation part above this is refused (a 64 × 64 map with its steps is well under it). */
export const MAX_EXPLANATION_BYTES = 256 * 1024;

export function escalationBody(
  image: Uint8Array,
  imageType: string,
  explanation: Explanation,
  boundary = `io-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`,
): { body: Buffer; contentType: string } {
  const head = (name: string, type: string, filename?: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\nContent-Type: ${type}\r\n\r\n`;
  const body = Buffer.concat([
    Buffer.from(head(ESCALATION_EXPLANATION_PART, 'application/json')),
    Buffer.from(JSON.stringify(explanation)),
    Buffer.from(`\r\n${head(ESCALATION_IMAGE_PART, imageType, 'image')}`),
    Buffer.from(image.buffer, image.byteOffset, image.byteLength),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

export function isMultipart(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'multipart/form-data';
}

/** The image and the explanation of an escalation body; BAD_REQUEST naming what is wrong. */
export function readEscalationBody(
  body: Buffer,
  contentType: string,
): { image: Buffer; imageType: string | undefined; explanation: Explanation | null } {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw bad('multipart/form-data needs a boundary.');
  const parts = splitParts(body, boundary);
  const image = parts.get(ESCALATION_IMAGE_PART);
  if (!image) throw bad(`The multipart body has no "${ESCALATION_IMAGE_PART}" part.`);
  const raw = parts.get(ESCALATION_EXPLANATION_PART);
  let explanation: Explanation | null = null;
  if (raw) {
    if (raw.data.byteLength > MAX_EXPLANATION_BYTES)
      throw bad(`The explanation part is larger than ${MAX_EXPLANATION_BYTES} bytes.`);
    let json: unknown;
    try {
      json = JSON.parse(raw.data.toString('utf8'));
    } catch {
      throw bad('The explanation part is not JSON.');
    }
    const parsed = ExplanationSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw bad(`explanation: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'}`);
    }
    explanation = parsed.data;
  }
  return { image: image.data, imageType: image.type, explanation };
}

function splitParts(body: Buffer, boundary: string): Map<string, { type: string | undefined; data: Buffer }> {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts = new Map<string, { type: string | undefined; data: Buffer }>();
  let at = body.indexOf(delimiter);
  if (at < 0) throw bad('The multipart body has no parts.');
  for (;;) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString('latin1') === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw bad('The multipart body is not closed.');
    // The part is between the CRLF after the delimiter and the CRLF before the next one.
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) throw bad('A multipart part has no header end.');
    const headers = part.subarray(0, split).toString('latin1');
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) throw bad('A multipart part has no name.');
    if (parts.has(name)) throw bad(`The multipart part "${name}" is given twice.`);
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim();
    parts.set(name, { type, data: part.subarray(split + 4) });
    at = next;
  }
  return parts;
}

function bad(detail: string): IntelliOpticsError {
  return new IntelliOpticsError('BAD_REQUEST', detail);
}
