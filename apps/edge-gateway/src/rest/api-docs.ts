/**
 * `/openapi.json` and `/docs` for the edge: the routes its router serves, described by libs/schema's
 * generator. Docs are metadata, yet they map the API, so they need a token like every route but health,
 * unless API_DOCS_PUBLIC=true (or NODE_ENV=development).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, sendText } from '@intellioptics/http';
import { apiDocsPage, buildOpenApiDocument, type ServedRoute } from '@intellioptics/schema';

export interface ApiDocs {
  json(req: IncomingMessage, res: ServerResponse): Promise<void>;
  html(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** Whether the docs are served without a token (API_DOCS_PUBLIC=true, or NODE_ENV=development). */
export function apiDocsArePublic(env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    env.API_DOCS_PUBLIC === 'true' || (env.API_DOCS_PUBLIC === undefined && env.NODE_ENV === 'development')
  );
}

export function createApiDocs(
  routes: () => ServedRoute[],
  authorize: (req: IncomingMessage) => Promise<unknown>,
  isPublic = apiDocsArePublic(),
): ApiDocs {
  let doc: object | null = null;
  // Built on first use: every route is registered by then.
  const document = () =>
    (doc ??= buildOpenApiDocument({
      title: 'IntelliOptics edge gateway',
      version: '1',
      description:
        'The Groundlight-compatible edge REST API (`/device-api/v1/*`, alias `/v1/*`) and the edge routes. What the edge does not serve goes to the cloud as the caller.',
      routes: routes(),
      prefixes: ['/device-api/v1', '/v1'],
    }));
  const allow = async (req: IncomingMessage) => {
    if (!isPublic) await authorize(req);
  };
  return {
    async json(req, res) {
      await allow(req);
      sendJson(res, 200, document());
    },
    async html(req, res) {
      await allow(req);
      sendText(res, 200, apiDocsPage(document()), 'text/html; charset=utf-8');
    },
  };
}
