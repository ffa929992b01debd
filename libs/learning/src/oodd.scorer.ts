/**
 * OODD scoring of many images in float64 with the same math as the ONNX head: vision's fast distance
 * (`mahalanobisDistancer`, one rank×D product per image) and its distance → in-domain probability map.
 */
import { inDomainProbability, mahalanobisDistancer, type MahalanobisOodd } from '@intellioptics/vision';

export interface OoddScore {
  distance: number;
  inDomain: number;
}

export function mahalanobisScorer(m: MahalanobisOodd): (f: Float32Array) => OoddScore {
  const distanceOf = mahalanobisDistancer(m);
  return (f) => {
    const distance = distanceOf(f);
    return { distance, inDomain: inDomainProbability(m, distance) };
  };
}
