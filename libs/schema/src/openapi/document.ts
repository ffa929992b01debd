/**
 * OpenAPI 3.1 for the routes a service really serves: the service lists its router's routes, and each one
 * known to the REST catalogue (catalogue.ts) is described with the zod schemas that validate it
 * (`z.toJSONSchema`, draft 2020-12, which OpenAPI 3.1 uses as is). A served route the catalogue does not know
 * is still listed, with the problem answers every route shares, so the document never hides a route.
 */
import { z } from 'zod';
import { REST_OPERATIONS, type OperationDoc } from './catalogue';

export interface ServedRoute {
  method: string;
  /** As registered: `/device-api/v1/detectors/:id`. */
  route: string;
}

export interface OpenApiOptions {
  title: string;
  version: string;
  description: string;
  routes: readonly ServedRoute[];
  /** Prefixes stripped before the catalogue lookup (`/device-api/v1`, `/v1`). */
  prefixes: readonly string[];
}

type Json = Record<string, unknown>;

const DOCUMENTED_METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PATCH']);

/** A zod schema as JSON Schema for `io` (request: what is accepted; response: what is sent). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  return out;
}

/** `/a/:id/b` → `/a/{id}/b` and the names of its parameters. */
export function toOpenApiPath(route: string): { path: string; params: string[] } {
  const params: string[] = [];
  const trimmed = route.length > 1 ? route.replace(/\/+$/, '') : route;
  const path = trimmed.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path, params };
}

function unprefixed(route: string, prefixes: readonly string[]): string {
  for (const p of prefixes) if (route.startsWith(`${p}/`)) return route.slice(p.length);
  return route;
}

const problem = {
  description: 'A problem: `detail` for Groundlight clients, `code` from the error catalogue.',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

function operation(method: string, route: string, params: string[], doc: OperationDoc | undefined): Json {
  const parameters: Json[] = params.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (doc?.query) {
    const shape = jsonSchema(doc.query, 'input') as {
      properties?: Record<string, Json>;
      required?: string[];
    };
    for (const [name, schema] of Object.entries(shape.properties ?? {}))
      parameters.push({ name, in: 'query', required: shape.required?.includes(name) ?? false, schema });
  }
  const ok = doc?.response ?? { status: 200 };
  const responses: Json = {
    [String(ok.status ?? 200)]: {
      description: doc?.response?.description ?? 'Success.',
      ...(ok.status === 204
        ? {}
        : {
            content: {
              [ok.contentType ?? 'application/json']: {
                schema: ok.schema ? jsonSchema(ok.schema, 'output') : {},
              },
            },
          }),
    },
    '4XX': problem,
    '5XX': problem,
  };
  const op: Json = {
    operationId: `${method.toLowerCase()}${route.replace(/[^A-Za-z0-9]+(.)?/g, (_, c?: string) => (c ? c.toUpperCase() : ''))}`,
    summary: doc?.summary ?? `${method} ${route}`,
    ...(parameters.length > 0 ? { parameters } : {}),
    responses,
  };
  if (doc?.body) {
    op.requestBody = {
      required: true,
      content: {
        [doc.body.contentType]: { schema: doc.body.schema ? jsonSchema(doc.body.schema, 'input') : {} },
      },
    };
  }
  if (doc?.public) op.security = [];
  return op;
}

export function buildOpenApiDocument(opts: OpenApiOptions): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of opts.routes) {
    const method = r.method.toUpperCase();
    if (!DOCUMENTED_METHODS.has(method)) continue;
    const { path, params } = toOpenApiPath(r.route);
    const doc = REST_OPERATIONS[`${method} ${unprefixed(r.route, opts.prefixes).replace(/\/+$/, '')}`];
    (paths[path] ??= {})[method.toLowerCase()] = operation(method, path, params, doc);
  }
  return {
    openapi: '3.1.0',
    info: { title: opts.title, version: opts.version, description: opts.description },
    paths,
    components: {
      securitySchemes: { ApiToken: { type: 'apiKey', in: 'header', name: 'x-api-token' } },
      schemas: {
        Problem: {
          type: 'object',
          properties: { detail: { type: 'string' }, code: { type: 'string' } },
          required: ['detail'],
        },
      },
    },
    security: [{ ApiToken: [] }],
  };
}
