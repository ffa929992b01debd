/**
 * When a detector is ready at this edge (`/edge-detector-readiness`, which the SDK's `edge.set_config` waits
 * on): the edge holds whatever the cloud has for it. The cloud has no model yet → ready (the edge answers with
 * the prior and escalates); the cloud has one → ready once that very model (by the cloud's model id) is
 * installed here; the cloud cannot say → ready when any model is installed (what an offline edge can know).
 */
export type CloudModel = { kind: 'none' } | { kind: 'model'; modelId: string } | { kind: 'unknown' };

export function detectorReady(q: {
  cloud: CloudModel;
  /** The cloud model id of the newest installed primary version (null: none, or built locally). */
  installedModelId: string | null;
  hasModel: boolean;
}): boolean {
  switch (q.cloud.kind) {
    case 'none':
      return true;
    case 'model':
      return q.installedModelId === q.cloud.modelId;
    case 'unknown':
      return q.hasModel;
  }
}
