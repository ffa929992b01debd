import type { DecisionPreset } from './types';

/**
 * What a preset means for a request, named once so `decide` switches over four cases instead of combining
 * flags. The schema guarantees disable_cloud_escalation ⇒ always_return_edge_prediction.
 */
export type PresetBehaviour =
  /** `enabled: false`: the edge does not answer; the request goes to the cloud. */
  | 'disabled'
  /** `default`: confident → edge answer; otherwise ask the cloud synchronously. */
  | 'cloud_first'
  /** `edge_answers_with_escalation`: always answer on the edge; escalate doubtful ones in the background. */
  | 'edge_with_escalation'
  /** `no_cloud`: always answer on the edge; nothing ever leaves the edge. */
  | 'edge_only';

export function presetBehaviour(preset: DecisionPreset): PresetBehaviour {
  if (!preset.enabled) return 'disabled';
  if (!preset.always_return_edge_prediction) return 'cloud_first';
  return preset.disable_cloud_escalation ? 'edge_only' : 'edge_with_escalation';
}

/** Presets whose errors must reach the client as they are: they require an edge prediction. */
export function requiresEdgePrediction(preset: DecisionPreset): boolean {
  return preset.enabled && preset.always_return_edge_prediction;
}
