/**
 * The request bodies the reference's form-style endpoints accept (`/v1/notes`, `/v1/detector-groups`): JSON,
 * `application/x-www-form-urlencoded` or `multipart/form-data`, read into one flat object of text fields.
 * File parts are reported by name (the caller decides whether it can keep them), never silently dropped.
 */
import { IntelliOpticsError } from '@intellioptics/schema';
import type { RestRequest } from './rest';
import { assertNoNul } from './nul';

export interface FormBody {
  fields: Record<string, unknown>;
  /** Names of multipart parts that carried a file. */
  fileParts: string[];
}

const FORM_LIMIT = 1024 * 1024;

export async function readFormBody(req: RestRequest): Promise<FormBody> {
  const type = String(req.raw.headers['content-type'] ?? 'application/json');
  const mime = type.split(';')[0]!.trim().toLowerCase();
  if (mime === 'application/json' || mime === '') {
    const value = await req.json(FORM_LIMIT);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new IntelliOpticsError('BAD_REQUEST', 'The body must be a JSON object.');
    }
    return { fields: value as Record<string, unknown>, fileParts: [] };
  }
  const raw = await req.body(FORM_LIMIT);
  if (mime === 'application/x-www-form-urlencoded') {
    const fields = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    assertNoNul(fields, 'The body');
    return { fields, fileParts: [] };
  }
  if (mime === 'multipart/form-data') {
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (!boundary) throw new IntelliOpticsError('BAD_REQUEST', 'multipart/form-data needs a boundary.');
    const parsed = parseMultipart(raw, boundary);
    assertNoNul(parsed.fields, 'The body');
    return parsed;
  }
  throw new IntelliOpticsError(
    'UNSUPPORTED_MEDIA_TYPE',
    'Send JSON, application/x-www-form-urlencoded or multipart/form-data.',
  );
}

/** Text parts as fields; parts with a filename are listed in `fileParts`. */
export function parseMultipart(body: Buffer, boundary: string): FormBody {
  const fields: Record<string, unknown> = {};
  const fileParts: string[] = [];
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  if (!text.includes(delimiter))
    throw new IntelliOpticsError('BAD_REQUEST', 'The multipart body has no parts.');
  for (const chunk of text.split(delimiter).slice(1)) {
    if (chunk.startsWith('--')) break;
    const part = chunk.replace(/^\r\n/, '').replace(/\r\n$/, '');
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) throw new IntelliOpticsError('BAD_REQUEST', 'A multipart part has no header end.');
    const headers = part.slice(0, split);
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw new IntelliOpticsError('BAD_REQUEST', 'A multipart part has no name.');
    if (/\bfilename="/i.test(disposition)) {
      fileParts.push(name);
      continue;
    }
    fields[name] = Buffer.from(part.slice(split + 4), 'latin1').toString('utf8');
  }
  return { fields, fileParts };
}

/** Form fields are strings: "true"/"false" (any case) as booleans, as Django reads them; JSON keeps its types. */
export function formBoolean(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v === '' || v === 'null') return null;
  return value;
}
