/**
 * Seeded request fuzzing shared by the cloud's and the edge's fuzz tests: raw HTTP requests (paths go out
 * exactly as generated; fetch would normalise them) with malformed percent-encoding, NULs, odd ids and
 * parameters, random bodies, every method and token; and GraphQL documents built from a printed schema
 * (real root fields with wrong, huge or hostile arguments, deep or aliased selections, broken syntax).
 * The oracle is the same everywhere: no 5xx, a 4xx always says why, GraphQL errors carry a code.
 */
import { request } from 'node:http';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { encodeMetadata } from '@intellioptics/schema';
import { mulberry32 } from '@intellioptics/vision';

export interface FuzzRequest {
  method: string;
  path: string;
  token?: string | undefined;
  body?: Buffer | undefined;
  type?: string | undefined;
}

export interface FuzzAnswer {
  status: number;
  text: string;
}

/** Sends `c` to `baseUrl` byte for byte and reads the whole answer. */
export function sendRaw(baseUrl: string, c: FuzzRequest): Promise<FuzzAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: c.method,
        path: c.path,
        headers: {
          ...(c.token ? { 'x-api-token': c.token } : {}),
          ...(c.type ? { 'content-type': c.type } : {}),
          ...(c.body ? { 'content-length': String(c.body.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(c.body);
  });
}

/** Seeded picks (mulberry32: small, fast, good enough to choose cases). */
export function seededRandom(seed: number) {
  const next = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const int = (n: number) => Math.floor(next() * n);
  const ascii = (n: number) =>
    Array.from({ length: n }, () => String.fromCharCode(33 + int(94)))
      .join('')
      .replace(/[#?/ ]/g, '_');
  return { next, pick, int, ascii };
}
export type SeededRandom = ReturnType<typeof seededRandom>;

export interface RestFuzzOptions {
  seed: number;
  /** Route templates; each `:x` becomes a generated path segment. */
  templates: readonly string[];
  /** Real ids worth hitting now and then (a detector, an image query). */
  ids: readonly string[];
  tokens: readonly (string | undefined)[];
  /** Query parameter names (a random one is added). */
  params: readonly string[];
  /** Extra JSON bodies the service understands (the generic ones are always in the mix), drawn per case. */
  jsonBodies?: (g: FuzzValues) => readonly unknown[];
  /** Other bodies (forms, multipart), drawn per case. */
  rawBodies?: (g: FuzzValues) => readonly { body: Buffer; type: string }[];
  images: { jpeg: Buffer; png: Buffer };
  methods?: readonly string[];
}

/** The generators a service's own bodies may draw on. */
export interface FuzzValues {
  random: SeededRandom;
  /** A path segment: a real id, an odd one, malformed encoding. */
  segment: () => string;
  /** A parameter value: a segment, a number-ish string, an enum value, encoded metadata. */
  value: () => string;
}

/** An endless, reproducible stream of hostile REST requests. */
export function restFuzzer(o: RestFuzzOptions): FuzzValues & { next(): FuzzRequest } {
  const r = seededRandom(o.seed);
  const segment = (): string =>
    r.pick([
      () => r.pick(o.ids),
      () => 'det_doesnotexist',
      () => 'iq_',
      () => '%',
      () => '%E0%A4%A',
      () => '%00',
      () => `det_%00${r.ascii(3)}`,
      () => '..',
      () => '%2F..%2F',
      () => encodeURIComponent('Prüfung 😀'),
      () => 'x'.repeat(3000),
      () => r.ascii(1 + r.int(40)),
      () => '',
    ])();
  const value = (): string =>
    r.pick([
      segment,
      () => r.pick(['1', '0', '-1', '1e309', 'NaN', 'True', 'false', '0.5', '2', '999999999999']),
      () => r.pick(['DEFAULT', 'ALWAYS', 'NEVER', 'BINARY']),
      () => encodeMetadata({ k: r.ascii(5) }),
      () => encodeMetadata({ k: 'a\u0000' }),
      () => 'not-base64!!',
    ])();
  const params = [...o.params, r.ascii(4)];
  const query = () => {
    const n = r.int(4);
    if (n === 0) return '';
    const parts = Array.from({ length: n }, () => `${r.pick(params)}=${value()}`);
    return `?${parts.join('&')}${r.next() < 0.1 ? '%' : ''}`;
  };
  const g: FuzzValues = { random: r, segment, value };
  const jsonBodies = (): readonly unknown[] => [
    ...(o.jsonBodies?.(g) ?? []),
    { query: '{ me { name } }' },
    { query: `{ detector(id: "${r.pick(o.ids)}") { id } }` },
    [1, 2, 3],
    null,
    { a: 'a\u0000' },
  ];
  const body = (): { body?: Buffer; type?: string } =>
    r.pick([
      () => ({}),
      () => ({ body: o.images.jpeg, type: 'image/jpeg' }),
      () => ({ body: o.images.png.subarray(0, 30), type: 'image/png' }),
      () => ({
        body: Buffer.from(r.ascii(50)),
        type: r.pick(['text/plain', 'application/json', 'image/jpeg']),
      }),
      () => ({ body: Buffer.from('{"name": "x", "query": '), type: 'application/json' }),
      () => ({ body: Buffer.from(JSON.stringify(r.pick(jsonBodies()))), type: 'application/json' }),
      ...(o.rawBodies ? [() => r.pick(o.rawBodies!(g))] : []),
    ])();
  const methods = o.methods ?? ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'PUT'];
  return {
    ...g,
    next: () => ({
      method: r.pick(methods),
      path: r.pick(o.templates).replace(/:x/g, segment) + query(),
      token: r.pick(o.tokens),
      ...body(),
    }),
  };
}

/** What is wrong with an answer to a fuzzed REST request, or null when it is fine. */
export function restAnswerFault(c: FuzzRequest, a: FuzzAnswer): string | null {
  const what = `${c.method} ${c.path.slice(0, 200)}`;
  if (a.status >= 500) return `${a.status} ${what} → ${a.text.slice(0, 200)}`;
  if (a.status >= 400 && c.method !== 'HEAD' && !/"detail"|"errors"/.test(a.text))
    return `${a.status} without a detail: ${what} → ${a.text.slice(0, 100)}`;
  return null;
}

/**
 * GraphQL documents drawn from `sdl`: real root fields (queries and mutations) with arguments of the right
 * or the wrong type, hostile strings, deep selections and many aliases, plus broken syntax.
 */
export function graphqlFuzzer(sdl: string, seed: number, ids: readonly string[]): { next(): string } {
  const schema = buildSchema(sdl, { assumeValidSDL: true });
  const r = seededRandom(seed);
  const roots = [schema.getQueryType(), schema.getMutationType()].filter(
    (t): t is GraphQLObjectType => t != null,
  );
  const hostileString = () =>
    JSON.stringify(
      r.pick(['', 'a\u0000b', 'x'.repeat(5000), 'Prüfung 😀', r.ascii(12), ...ids, '%E0%A4%A', '{"a":1}']),
    );
  const literal = (type: GraphQLInputType, depth: number): string => {
    if (r.next() < 0.08) return r.pick(['null', '"wrong"', '42', '[1]', '{a: 1}', 'true']);
    if (isNonNullType(type)) return literal(type.ofType, depth);
    if (isListType(type)) return `[${literal(type.ofType, depth)}]`;
    if (isEnumType(type)) return r.next() < 0.9 ? r.pick(type.getValues()).name : 'NOT_A_VALUE';
    if (isScalarType(type)) {
      switch (type.name) {
        case 'Int':
          return r.pick(['0', '-1', '2147483647', '1', '100000']);
        case 'Float':
          return r.pick(['0.5', '-1.5', '1e308', '2']);
        case 'Boolean':
          return r.pick(['true', 'false']);
        default:
          return hostileString();
      }
    }
    if (depth > 3) return '{}';
    const fields = Object.values(type.getFields());
    const chosen = fields.filter((f) => isNonNullType(f.type) || r.next() < 0.5);
    return `{${chosen.map((f) => `${f.name}: ${literal(f.type, depth + 1)}`).join(', ')}}`;
  };
  const selection = (field: GraphQLField<unknown, unknown>, depth: number): string => {
    const named = getNamedType(field.type);
    if (!isObjectType(named)) return '';
    const fields = Object.values(named.getFields());
    const leaves = fields.filter((f) => !isObjectType(getNamedType(f.type)));
    const nested = fields.filter((f) => isObjectType(getNamedType(f.type)) && f.args.length === 0);
    const picked = [...leaves.slice(0, 1 + r.int(3))];
    if (depth < 12 && nested.length > 0 && r.next() < 0.7) picked.push(r.pick(nested));
    if (picked.length === 0) return '{ __typename }';
    return `{ ${picked.map((f) => `${f.name} ${selection(f, depth + 1)}`).join(' ')} }`;
  };
  const call = (field: GraphQLField<unknown, unknown>, alias: string) => {
    const args = field.args.filter((a) => isNonNullType(a.type) || r.next() < 0.5);
    const argText = args.length ? `(${args.map((a) => `${a.name}: ${literal(a.type, 0)}`).join(', ')})` : '';
    return `${alias}${field.name}${argText} ${selection(field, 0)}`;
  };
  return {
    next: () => {
      const root = r.pick(roots);
      const op = root === schema.getMutationType() ? 'mutation' : 'query';
      const fields = Object.values(root.getFields()).filter((f) => !f.name.startsWith('_'));
      const mode = r.next();
      if (mode < 0.08) return `${op} { ${r.ascii(10)} `; // broken syntax
      if (mode < 0.14) {
        // many aliases of one field (an amplification attempt)
        const f = r.pick(fields);
        return `${op} { ${Array.from({ length: 60 + r.int(200) }, (_, i) => call(f, `a${i}: `)).join(' ')} }`;
      }
      const n = 1 + r.int(3);
      return `${op} { ${Array.from({ length: n }, () => call(r.pick(fields), '')).join(' ')} }`;
    },
  };
}

/** What is wrong with a GraphQL answer, or null: no 5xx, and every error carries `extensions.code`. */
export function graphqlAnswerFault(doc: string, a: FuzzAnswer): string | null {
  const what = doc.slice(0, 160);
  if (a.status >= 500) return `${a.status} for ${what} → ${a.text.slice(0, 200)}`;
  let body: { errors?: { message?: string; extensions?: { code?: unknown } }[]; detail?: string };
  try {
    body = JSON.parse(a.text) as typeof body;
  } catch {
    return `${a.status}, not JSON, for ${what} → ${a.text.slice(0, 100)}`;
  }
  if (a.status >= 400 && !body.errors && typeof body.detail !== 'string')
    return `${a.status} without errors or detail for ${what}`;
  const uncoded = (body.errors ?? []).filter((e) => typeof e.extensions?.code !== 'string');
  if (uncoded.length) return `error without a code for ${what} → ${JSON.stringify(uncoded[0]).slice(0, 200)}`;
  return null;
}
