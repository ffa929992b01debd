import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute, type Route } from './router';

describe('hash routes', () => {
  it.each<[string, Route]>([
    ['', { page: 'queue', detectorId: null }],
    ['#/queue', { page: 'queue', detectorId: null }],
    ['#/queue?detector=det_1', { page: 'queue', detectorId: 'det_1' }],
    ['#/detectors', { page: 'detectors' }],
    ['#/detectors/new', { page: 'detectorNew' }],
    ['#/detectors/det%201', { page: 'detector', id: 'det 1' }],
    ['#/fleet', { page: 'fleet' }],
    ['#/sign-in', { page: 'signIn' }],
    ['#/nope', { page: 'notFound', path: '/nope' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
    expect(parseRoute(hrefFor(route))).toEqual(route);
  });
});
