/** POST /infer?detector_id=a[&detector_id=b] or ?detector_ids=a,b — body: raw image bytes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { inferResponse } from '@intellioptics/schema';
import { HttpError } from '../errors';
import type { InferService } from '../inference/infer.service';
import { readBody, sendJson } from './http-utils';

export const MAX_DETECTORS_PER_REQUEST = 32;

export function detectorIdsFrom(url: URL): string[] {
  const ids = [
    ...url.searchParams.getAll('detector_id'),
    ...url.searchParams.getAll('detector_ids').flatMap((s) => s.split(',')),
  ]
    .map((s) => s.trim())
    .filter(Boolean);
  return [...new Set(ids)];
}

export async function handleInfer(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  service: InferService,
  maxBodyBytes: number,
  started: number,
): Promise<string[]> {
  const ids = detectorIdsFrom(url);
  if (ids.length === 0) {
    req.resume();
    throw new HttpError(
      'INVALID_PARAMETER',
      'Add ?detector_id=<id> (repeat it, or use detector_ids=a,b, to ask several detectors).',
    );
  }
  if (ids.length > MAX_DETECTORS_PER_REQUEST) {
    req.resume();
    throw new HttpError('INVALID_PARAMETER', `At most ${MAX_DETECTORS_PER_REQUEST} detectors per request.`);
  }
  const body = await readBody(req, maxBodyBytes);
  const result = await service.infer(ids, body, started);
  sendJson(res, 200, inferResponse(result.answers, result.timings_ms));
  return ids;
}
