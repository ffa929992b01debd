import { describe, expect, it } from 'vitest';
import { isIntelliOpticsError } from '@intellioptics/schema';
import { Router, splitUrl } from './router';

const router = new Router<string>()
  .add('GET', '/v1/detectors', 'list')
  .add('POST', '/v1/detectors', 'create')
  .add('GET', '/v1/detectors/:id', 'get')
  .add('DELETE', '/v1/detectors/:id', 'delete')
  .add('POST', '/v1/image-queries/:id/label/', 'label')
  .add('GET', '/v1/a.b', 'dotted');

function outcome(method: string, path: string): unknown {
  try {
    const m = router.match(method, path);
    return m ? { handler: m.handler, params: m.params, route: m.route } : null;
  } catch (e) {
    if (!isIntelliOpticsError(e)) throw e;
    return { code: e.code, status: e.status, allow: e.details?.['allow'] };
  }
}

describe('Router', () => {
  it.each<[string, string, string, unknown]>([
    ['a static path', 'GET', '/v1/detectors', { handler: 'list', params: {}, route: '/v1/detectors' }],
    ['a trailing slash', 'POST', '/v1/detectors/', { handler: 'create', params: {}, route: '/v1/detectors' }],
    [
      'a param',
      'GET',
      '/v1/detectors/det_1',
      { handler: 'get', params: { id: 'det_1' }, route: '/v1/detectors/:id' },
    ],
    [
      'HEAD on a GET route',
      'HEAD',
      '/v1/detectors/det_1',
      { handler: 'get', params: { id: 'det_1' }, route: '/v1/detectors/:id' },
    ],
    [
      'a lower-case method',
      'delete',
      '/v1/detectors/x',
      { handler: 'delete', params: { id: 'x' }, route: '/v1/detectors/:id' },
    ],
    [
      'a registered trailing slash',
      'POST',
      '/v1/image-queries/iq_1/label',
      { handler: 'label', params: { id: 'iq_1' }, route: '/v1/image-queries/:id/label/' },
    ],
    [
      'a percent-encoded param',
      'GET',
      '/v1/detectors/a%20b%2Fc',
      { handler: 'get', params: { id: 'a b/c' }, route: '/v1/detectors/:id' },
    ],
    ['a dot taken literally', 'GET', '/v1/aXb', null],
    ['an unknown path', 'GET', '/v1/nope', null],
    ['a deeper path', 'GET', '/v1/detectors/x/y', null],
    [
      '405 with the allowed methods',
      'PUT',
      '/v1/detectors',
      { code: 'METHOD_NOT_ALLOWED', status: 405, allow: ['GET', 'POST', 'HEAD'] },
    ],
    [
      '405 on a param route',
      'POST',
      '/v1/detectors/x',
      { code: 'METHOD_NOT_ALLOWED', status: 405, allow: ['GET', 'DELETE', 'HEAD'] },
    ],
    [
      '405 without GET',
      'GET',
      '/v1/image-queries/x/label',
      { code: 'METHOD_NOT_ALLOWED', status: 405, allow: ['POST'] },
    ],
    [
      'a malformed encoding is a 400',
      'GET',
      '/v1/detectors/%E0%A4%A',
      { code: 'BAD_REQUEST', status: 400, allow: undefined },
    ],
  ])('%s: %s %s', (_what, method, path, expected) => {
    expect(outcome(method, path)).toEqual(expected);
  });
});

describe('splitUrl', () => {
  it.each([
    [undefined, '/', ''],
    ['/a', '/a', ''],
    ['/a?x=1&y=%20', '/a', 'x=1&y=+'],
  ])('%s', (url, path, query) => {
    const s = splitUrl(url);
    expect(s.path).toBe(path);
    expect(s.query.toString()).toBe(query);
  });
});
