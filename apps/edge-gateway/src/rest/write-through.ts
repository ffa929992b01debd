/**
 * Read-your-writes through the edge. Changes the edge forwards to the cloud (cloud-forward.ts) are applied to
 * the edge's own state as soon as the cloud accepted them, from the cloud's answer: a detector created or
 * patched is cached at once (listed, found by id, its threshold/status/escalation type in force), a deleted
 * one is forgotten, a deleted or reset one loses the cloud models the edge holds (so it is not answered with
 * them), and a label shows on the edge's copy of the image query on the very next read.
 */
import { Router } from '@intellioptics/http';
import { DetectorSchema, ImageQuerySchema } from '@intellioptics/schema';
import type { DetectorService } from '../detectors/detector.service';
import type { HttpResponse } from '../http/http-client';
import { jsonBody } from '../http/http-client';
import type { ImageQueryReadService } from '../image-queries/image-query-read.service';
import type { ModelUpdaterService } from '../models/model-updater.service';
import type { Logger } from '../logger';

export interface WriteThroughDeps {
  detectors: Pick<DetectorService, 'remember' | 'forget'>;
  /** The model updater (null when model updates are off): a deleted or reset detector's cloud models go. */
  models?: Pick<ModelUpdaterService, 'dropCloudModels'> | null;
  reader: Pick<ImageQueryReadService, 'applyCloudAnswer'>;
  /** GET of the cloud's JSON with the caller's token. */
  cloudGet: (path: string, token: string) => Promise<unknown>;
  log: Logger;
}

export interface ForwardedWrite {
  method: string;
  path: string;
  requestBody: Buffer;
  response: HttpResponse;
  /** The caller's token (the cloud is asked as the caller). */
  token: string | undefined;
}

type Hook = (w: ForwardedWrite, params: Record<string, string>) => Promise<void>;

const PREFIXES = ['/device-api/v1', '/v1'];

export function createWriteThrough(deps: WriteThroughDeps): (w: ForwardedWrite) => Promise<void> {
  const hooks = new Router<Hook>();
  const on = (method: string, path: string, hook: Hook) => {
    for (const p of PREFIXES) hooks.add(method, `${p}${path}`, hook);
  };
  const rememberDetector: Hook = async ({ response }) => {
    const d = DetectorSchema.safeParse(jsonBody(response));
    if (d.success) await deps.detectors.remember(d.data);
  };
  on('POST', '/detectors', rememberDetector);
  on('PATCH', '/detectors/:id', rememberDetector);
  on('PUT', '/detectors/:id', rememberDetector);
  on('DELETE', '/detectors/:id', async (_w, params) => {
    await deps.detectors.forget(params.id!);
    await deps.models?.dropCloudModels(params.id!, 'deleted through the edge');
  });
  on('DELETE', '/detector-reset/:id', async (_w, params) => {
    await deps.models?.dropCloudModels(params.id!, 'reset through the edge');
  });
  on('POST', '/labels', async ({ requestBody, token }) => {
    const id = labelledImageQueryId(requestBody);
    if (!id || !token) return;
    const iq = ImageQuerySchema.safeParse(
      await deps.cloudGet(`/device-api/v1/image-queries/${encodeURIComponent(id)}`, token),
    );
    if (iq.success) await deps.reader.applyCloudAnswer(iq.data);
  });

  return async (w) => {
    if (w.response.status < 200 || w.response.status >= 300) return;
    let match: ReturnType<typeof hooks.match>;
    try {
      match = hooks.match(w.method, w.path);
    } catch {
      return; // another method on a hooked path: nothing to apply
    }
    if (!match) return;
    try {
      await match.handler(w, match.params);
    } catch (e) {
      // The cloud has the change; the edge catches up at its next refresh.
      deps.log.warn({ err: e, method: w.method, path: w.path }, 'could not apply a forwarded change locally');
    }
  };
}

function labelledImageQueryId(body: Buffer): string | null {
  try {
    const json = JSON.parse(body.toString('utf8')) as { image_query_id?: unknown };
    return typeof json.image_query_id === 'string' ? json.image_query_id : null;
  } catch {
    return null;
  }
}
