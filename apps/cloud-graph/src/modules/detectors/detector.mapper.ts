import type { Detector as RestDetector } from '@intellioptics/schema';
import type { DetectorEntity } from './detector.entity';

/** The Groundlight `Detector` wire shape: every key present, nullable ones as null. */
export function toRestDetector(d: DetectorEntity): RestDetector {
  return {
    id: d.id,
    type: 'detector',
    created_at: d.createdAt.toISOString(),
    name: d.name,
    query: d.query,
    group_name: d.groupName,
    metadata: d.metadata ?? null,
    mode: d.mode,
    mode_configuration: d.modeConfiguration ?? null,
    confidence_threshold: d.confidenceThreshold,
    patience_time: d.patienceTime,
    status: d.status,
    escalation_type: d.escalationType,
    reasoning: d.reasoning,
    escalation_policy: d.escalationPolicy ?? null,
    // Only compound detectors carry a rule; the others keep the Groundlight shape exactly.
    ...(d.rule ? { rule: d.rule } : {}),
  };
}
