import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, toOpenApiPath } from './document';
import { apiDocsPage } from './page';

const routes = [
  { method: 'POST', route: '/device-api/v1/image-queries' },
  { method: 'GET', route: '/device-api/v1/image-queries/:id' },
  { method: 'GET', route: '/v1/detectors/:id' },
  { method: 'PATCH', route: '/v1/detectors/:id' },
  { method: 'GET', route: '/health/live' },
  { method: 'GET', route: '/not-in-the-catalogue/:x' },
  { method: 'HEAD', route: '/ignored' },
];
const doc = buildOpenApiDocument({
  title: 'T',
  version: '1',
  description: 'd',
  routes,
  prefixes: ['/device-api/v1', '/v1'],
}) as { paths: Record<string, Record<string, Record<string, unknown>>> };

describe('buildOpenApiDocument', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists exactly the served routes (HEAD left out), unknown ones too', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/device-api/v1/image-queries',
        '/device-api/v1/image-queries/{id}',
        '/health/live',
        '/not-in-the-catalogue/{x}',
        '/v1/detectors/{id}',
      ].sort(),
    );
    expect(Object.keys(doc.paths['/v1/detectors/{id}']!).sort()).toEqual(['get', 'patch']);
  });

  it('describes a request from the zod schema that validates it', () => {
    const submit = doc.paths['/device-api/v1/image-queries']!.post! as {
      parameters: { name: string; in: string; required: boolean }[];
    };
    expect(submit.parameters).toContainEqual(
      expect.objectContaining({ name: 'detector_id', in: 'query', required: true }),
    );
    expect(submit.parameters.map((p) => p.name)).toContain('confidence_threshold');
    const patch = doc.paths['/v1/detectors/{id}']!.patch! as {
      requestBody: { content: Record<string, unknown> };
    };
    expect(patch.requestBody.content['application/json']).toBeDefined();
  });

  it('marks health public and everything else token-protected', () => {
    expect(doc.paths['/health/live']!.get!.security).toEqual([]);
    expect(doc.paths['/v1/detectors/{id}']!.get!.security).toBeUndefined();
    expect((doc as unknown as { security: unknown }).security).toEqual([{ ApiToken: [] }]);
  });
});

describe('toOpenApiPath', () => {
  it.each([
    ['/a/:id/b/:other', '/a/{id}/b/{other}', ['id', 'other']],
    ['/a/', '/a', []],
    ['/', '/', []],
  ])('%s → %s', (route, path, params) => {
    expect(toOpenApiPath(route)).toEqual({ path, params });
  });
});

describe('apiDocsPage', () => {
  it('shows every operation, escaped, with no external asset', () => {
    const html = apiDocsPage(doc);
    expect(html).toContain('/device-api/v1/image-queries/{id}');
    expect(html).toContain('PATCH');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(apiDocsPage({ info: { title: '<b>x</b>' } })).toContain('&lt;b&gt;x&lt;/b&gt;');
  });
});
