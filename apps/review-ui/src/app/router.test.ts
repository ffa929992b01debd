import { describe, expect, it } from 'vitest';
import { NAV, areaOf, hrefFor, parseRoute, type Route } from './router';

describe('hash routes', () => {
  it.each<[string, Route]>([
    ['', { page: 'queue', detectorId: null }],
    ['#/queue', { page: 'queue', detectorId: null }],
    ['#/queue?detector=det_1', { page: 'queue', detectorId: 'det_1' }],
    ['#/detectors', { page: 'detectors' }],
    ['#/detectors/new', { page: 'detectorNew' }],
    ['#/detectors/det%201', { page: 'detector', id: 'det 1' }],
    ['#/image-queries/iq_1', { page: 'imageQuery', id: 'iq_1' }],
    ['#/fleet', { page: 'fleet' }],
    ['#/cameras', { page: 'cameras', id: null }],
    ['#/cameras/cam_1', { page: 'cameras', id: 'cam_1' }],
    ['#/admin/users', { page: 'admin', tab: 'users' }],
    ['#/admin/hubs', { page: 'admin', tab: 'hubs' }],
    ['#/admin/training', { page: 'admin', tab: 'training' }],
    ['#/sign-in', { page: 'signIn' }],
    ['#/nope', { page: 'notFound', path: '/nope' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
    expect(parseRoute(hrefFor(route))).toEqual(route);
  });
});

describe('route table', () => {
  it('opens the users tab for #/admin and refuses an unknown tab', () => {
    expect(parseRoute('#/admin')).toEqual({ page: 'admin', tab: 'users' });
    expect(parseRoute('#/admin/secrets')).toEqual({ page: 'notFound', path: '/admin/secrets' });
    expect(parseRoute('#/image-queries')).toEqual({ page: 'notFound', path: '/image-queries' });
  });

  it('keeps a malformed escape as typed instead of throwing', () => {
    expect(parseRoute('#/detectors/%E0%A4%A')).toEqual({ page: 'detector', id: '%E0%A4%A' });
  });

  it.each<[Route, ReturnType<typeof areaOf>]>([
    [{ page: 'queue', detectorId: 'det_1' }, 'queue'],
    [{ page: 'detectors' }, 'detectors'],
    [{ page: 'detectorNew' }, 'detectors'],
    [{ page: 'detector', id: 'det_1' }, 'detectors'],
    [{ page: 'imageQuery', id: 'iq_1' }, 'queue'],
    [{ page: 'fleet' }, 'fleet'],
    // Zones are edited by admins, as edge config is.
    [{ page: 'cameras', id: 'cam_1' }, 'fleet'],
    [{ page: 'admin', tab: 'hubs' }, 'admin'],
    [{ page: 'signIn' }, null],
    [{ page: 'notFound', path: '/x' }, null],
  ])('%j belongs to %s', (route, area) => {
    expect(areaOf(route)).toBe(area);
  });

  it('navigates to each area from its own nav entry', () => {
    expect(NAV.map((n) => [n.area, areaOf(n.route)])).toEqual(NAV.map((n) => [n.area, n.area]));
  });
});
