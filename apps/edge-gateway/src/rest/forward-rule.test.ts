import { describe, expect, it } from 'vitest';
import { isEdgeLocalPath, shouldForwardToCloud } from './forward-rule';

describe('shouldForwardToCloud', () => {
  it.each([
    // status, edgeOnly, path, forwarded
    [404, false, '/v1/me', true],
    [404, false, '/device-api/v1/labels', true],
    [405, false, '/v1/detectors', true],
    [422, false, '/v1/detectors/det_1', true],
    [404, false, '/edge-configs', true],
    [404, false, '/edge-api/v1/fetch-model-urls/det_1/', true],
    [400, false, '/v1/image-queries', false],
    [401, false, '/v1/me', false],
    [500, false, '/v1/me', false],
    [503, false, '/v1/image-queries', false],
    [404, true, '/v1/image-queries', false],
    [422, true, '/v1/image-queries', false],
    [422, false, '/edge-config', false],
    [404, false, '/edge-detector-readiness', false],
    [404, false, '/edge-detector-readiness/', false],
    [405, false, '/health/ready', false],
    [404, false, '/health', false],
    [405, false, '/metrics', false],
    [404, false, '/status/resources.json', false],
    [405, false, '/graphql', false],
    [404, false, '/graphql/edge', false],
  ] as const)('%i edge-only=%s %s → %s', (status, edgeOnly, path, forwarded) => {
    expect(shouldForwardToCloud({ status, edgeOnly, path })).toBe(forwarded);
  });

  it('matches edge-local paths exactly or by folder, not by prefix of a name', () => {
    expect(isEdgeLocalPath('/healthz')).toBe(false);
    expect(isEdgeLocalPath('/metricsx')).toBe(false);
    expect(isEdgeLocalPath('/health/live')).toBe(true);
    expect(isEdgeLocalPath('/')).toBe(false);
  });
});
