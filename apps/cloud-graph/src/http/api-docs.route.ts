/**
 * `/openapi.json` and `/docs` on the cloud: the REST routes this router serves, described by libs/schema's
 * generator from the zod schemas the handlers validate with. A token of any role is needed, like every
 * route but health, unless API_DOCS_PUBLIC=true (or NODE_ENV=development).
 */
import { apiDocsPage, buildOpenApiDocument } from '@intellioptics/schema';
import { ROLES } from '../auth/principal';
import type { RestRequest, RestRouter } from './rest';

/** Whether the docs are served without a token. */
export function apiDocsArePublic(env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    env.API_DOCS_PUBLIC === 'true' || (env.API_DOCS_PUBLIC === undefined && env.NODE_ENV === 'development')
  );
}

export function apiDocsRoutes(
  router: RestRouter,
  prefixes: readonly string[],
  isPublic = apiDocsArePublic(),
): void {
  let doc: object | null = null;
  // Built on first use: every route is registered by then.
  const document = () =>
    (doc ??= buildOpenApiDocument({
      title: 'IntelliOptics cloud',
      version: '1',
      description:
        'The Groundlight-compatible cloud REST API (`/device-api/v1/*`, alias `/v1/*`), the edge model routes and operations. GraphQL is at /graphql.',
      routes: router.routes(),
      prefixes,
    }));
  const allow = async (req: RestRequest) => {
    if (!isPublic) await req.auth(ROLES.any);
  };
  router.add('GET', '/openapi.json', async (req) => {
    await allow(req);
    return { status: 200, json: document() };
  });
  router.add('GET', '/docs', async (req) => {
    await allow(req);
    return {
      status: 200,
      body: Buffer.from(apiDocsPage(document())),
      contentType: 'text/html; charset=utf-8',
    };
  });
}
