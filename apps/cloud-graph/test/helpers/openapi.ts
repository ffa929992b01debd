/**
 * Validates our REST bodies against the Groundlight OpenAPI spec (fixtures/groundlight-public-api.yaml, MIT,
 * license beside it): every required key present, nullable only where the spec says so.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';

const spec = parse(
  readFileSync(resolve(import.meta.dirname, '../fixtures/groundlight-public-api.yaml'), 'utf8'),
) as {
  components: { schemas: Record<string, unknown> };
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
};

/**
 * ajv 6 applies `nullable` only next to `type`; the spec also puts it next to `oneOf`/`allOf` (for example
 * `ImageQuery.result`). Rewrite those as `anyOf: [null, …]` so a documented null validates.
 */
function nullableCombinators(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableCombinators);
  if (node === null || typeof node !== 'object') return node;
  const o = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, nullableCombinators(v)]));
  if (o.nullable === true && o.type === undefined && (o.oneOf || o.allOf || o.$ref)) {
    const { nullable: _n, ...rest } = o;
    return { anyOf: [{ type: 'null' }, rest] };
  }
  return o;
}

const ajv = new Ajv({
  nullable: true,
  unknownFormats: 'ignore',
  allErrors: true,
  schemaId: 'auto',
  logger: false,
});
ajv.addSchema({ ...(nullableCombinators(spec) as object), $id: 'groundlight' });

export function specErrors(schemaName: string, body: unknown): string[] {
  if (!spec.components.schemas[schemaName]) throw new Error(`no schema ${schemaName} in the spec`);
  const validate = ajv.compile({ $ref: `groundlight#/components/schemas/${schemaName}` });
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.dataPath} ${e.message ?? ''}`);
}

/** Errors of `body` against the JSON response schema the spec gives for `method path` → `status`. */
export function responseSpecErrors(path: string, method: string, status: number, body: unknown): string[] {
  const schema =
    spec.paths[path]?.[method.toLowerCase()]?.responses[String(status)]?.content?.['application/json']
      ?.schema;
  if (!schema) throw new Error(`no JSON response for ${method} ${path} ${status} in the spec`);
  const validate = ajv.compile(
    JSON.parse(
      JSON.stringify(nullableCombinators(schema)).replaceAll('"#/components', '"groundlight#/components'),
    ) as object,
  );
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.dataPath} ${e.message ?? ''}`);
}
