/**
 * The cloud's public API as the CLI uses it: Groundlight REST under `/v1` for detectors, image queries and
 * labels, and GraphQL on `/graphql` for what REST does not have (users, tokens, hubs, models, training).
 * Every failure becomes a CliError that says what to do; GraphQL payload errors (`{ ok: false, error }`) too.
 */
import { CliError } from './errors';
import { networkCause } from './network-error';

export interface RestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  body?: Buffer;
  contentType?: string;
}

export interface MutationError {
  code: string;
  message: string;
  fields: { path: string; message: string }[];
}

export class CloudClient {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  async rest<T>(method: string, path: string, options: RestOptions = {}): Promise<T> {
    const res = await this.send(method, path, options);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  /** The raw bytes of a GET (images). */
  async bytes(path: string): Promise<{ data: Buffer; contentType: string }> {
    const res = await this.send('GET', path, {});
    return {
      data: Buffer.from(await res.arrayBuffer()),
      contentType: res.headers.get('content-type') ?? '',
    };
  }

  async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await this.send('POST', '/graphql', { json: { query, variables } });
    const body = (await res.json()) as {
      data?: T;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    if (body.errors?.length) {
      const codes = body.errors.map((e) => e.extensions?.code);
      if (codes.includes('UNAUTHENTICATED')) throw unauthorised(this.url);
      const messages = body.errors.map((e) => e.message).join('; ');
      if (codes.includes('FORBIDDEN')) {
        throw new CliError(`The token may not do this (${messages}): log in with an ADMIN token (io login).`);
      }
      throw new CliError(`The cloud refused the request: ${messages}`);
    }
    return body.data as T;
  }

  /** A GraphQL mutation whose payload is `{ ok, error, ... }`: returns the payload or throws its error. */
  async mutate<P extends { ok: boolean; error: MutationError | null }>(
    query: string,
    variables: Record<string, unknown>,
    field: string,
  ): Promise<P> {
    const data = await this.graphql<Record<string, P>>(query, variables);
    const payload = data[field]!;
    if (!payload.ok) {
      const e = payload.error;
      const fields = e?.fields.length
        ? ` (${e.fields.map((f) => `${f.path}: ${f.message}`).join('; ')})`
        : '';
      throw new CliError(`${e?.message ?? 'The cloud refused the request.'}${fields} [${e?.code ?? '?'}]`);
    }
    return payload;
  }

  private async send(method: string, path: string, options: RestOptions): Promise<Response> {
    const url = new URL(`${this.url}${path}`);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { 'x-api-token': this.token, accept: 'application/json' };
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body) {
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
      body = new Uint8Array(options.body);
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(60_000) });
    } catch (err) {
      const cause = networkCause(err);
      throw new CliError(
        `Cannot reach the cloud at ${this.url} (${cause}): check the URL, or run io login --url <cloud url>.`,
      );
    }
    if (res.ok) return res;
    if (res.status === 401) throw unauthorised(this.url);
    const text = await res.text();
    let detail = text.slice(0, 500);
    try {
      const parsed = JSON.parse(text) as { detail?: string; code?: string };
      if (parsed.detail) detail = `${parsed.detail}${parsed.code ? ` [${parsed.code}]` : ''}`;
    } catch {
      // not JSON: keep the text
    }
    if (res.status === 403) {
      throw new CliError(
        `The token may not do this (403: ${detail}): log in with an ADMIN token (io login).`,
      );
    }
    throw new CliError(`${method} ${path} failed with ${res.status}: ${detail}`);
  }
}

function unauthorised(url: string): CliError {
  return new CliError(
    `The cloud at ${url} refused the API token (401): run io login --url ${url} --token <a valid API token>.`,
  );
}
