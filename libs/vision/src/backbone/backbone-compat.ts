/**
 * Which heads a backbone can run. A head records the sha256 of the backbone it was trained on; it also loads on
 * a backbone whose pooled `features` output is the same vector: the int8 backbone that approximates it, and
 * later conversions of the same nsfwjs graph that only added outputs (converter v2 added the feature map), so
 * that upgrading the converter does not strand every installed model.
 */
import type { BackboneInfo } from './backbone.cache';

/** nsfwjs@4.4.0 MobileNetV2 converted by converter v1 (pooled features only): the same `features` as v2. */
export const EARLIER_CONVERSIONS_WITH_SAME_FEATURES: readonly string[] = [
  '6e2e27f71535fcdca5e8a7578c5241295de334394c27e340549845d693273098',
];

export function backboneRunsHeadTrainedOn(
  backbone: Pick<BackboneInfo, 'sha256' | 'approximates'>,
  trainedOn: string,
): boolean {
  return (
    trainedOn === backbone.sha256 ||
    trainedOn === backbone.approximates ||
    EARLIER_CONVERSIONS_WITH_SAME_FEATURES.includes(trainedOn)
  );
}
