/**
 * The edge's calls to the cloud's Groundlight REST routes. All calls use keep-alive and a deadline, and
 * return outcomes as values: `unreachable` (network error, timeout, 5xx) is what makes the edge work
 * offline from its caches instead of failing.
 */
import {
  DetectorSchema,
  EdgeModelInfoSchema,
  ImageQuerySchema,
  buildSubmitQuery,
  escalationBody,
  type Detector,
  type EdgeModelInfo,
  type ImageQuery,
  type Role,
  RoleSchema,
} from '@intellioptics/schema';
import { HttpClient, jsonBody, problemCode, problemDetail, type HttpResult } from '../http/http-client';
import type { SendOutcome } from '../escalation/retry-policy';
import type { EscalationParams } from '../escalation/escalation-params';
import type { WireZone } from '../cameras/zone-wire';

export type Fetched<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'not_found' }
  | { kind: 'unauthorized' }
  | { kind: 'unreachable'; message: string };

export interface SubmitEscalation {
  iqId: string;
  detectorId: string;
  params: EscalationParams;
  image: Uint8Array;
  contentType: string;
  /** Async: the cloud answers at once with `result: null`. Sync: the cloud's first answer. */
  wantAsync: boolean;
  timeoutMs: number;
}

export interface SubmitResult {
  outcome: SendOutcome;
  /** The cloud's image query when it answered 2xx with a valid one. */
  imageQuery: ImageQuery | null;
  detail: string | null;
}

export interface CloudClient {
  getDetector(id: string, token: string | null): Promise<Fetched<Detector>>;
  listDetectors(): Promise<Fetched<Detector[]>>;
  /** `unreachable`: network error or timeout (offline); `unavailable`: the cloud answered 5xx/429/other. */
  checkToken(token: string): Promise<TokenVerdict>;
  /** The token's role in the cloud (`me { role }`), asked with that token. */
  roleOf(token: string): Promise<Fetched<Role>>;
  submitImageQuery(input: SubmitEscalation): Promise<SubmitResult>;
  getImageQuery(id: string): Promise<Fetched<ImageQuery>>;
  fetchModelUrls(detectorId: string, token: string | null): Promise<Fetched<EdgeModelInfo>>;
  /** GET an absolute (signed) URL, e.g. a model download. */
  download(url: string, timeoutMs: number): Promise<Fetched<Buffer>>;
  /** The hub heartbeat mutation (served versions, counters) with the hub token; true when the cloud took it. */
  hubHeartbeat(input: HubHeartbeat, hubToken: string): Promise<boolean>;
  /** The zones drawn at the cloud on this hub's cameras (`hubs { cameras }` with the hub token). */
  cameraZones(hubToken: string): Promise<Fetched<{ name: string; zones: WireZone[] }[]>>;
}

export type TokenVerdict = 'valid' | 'invalid' | 'unreachable' | 'unavailable';

export interface HubHeartbeat {
  servedDetectors: { detectorId: string; primaryVersion: number | null; ooddVersion: number | null }[];
  counters: Record<string, number>;
  /** Answer latency since the previous heartbeat the cloud took (the fleet page's latency chart). */
  latency?: { count: number; meanMs: number | null; p50Ms: number | null; p95Ms: number | null };
  /** Escalations set aside at the edge: how many, and the newest few (`Hub.deadLetters` in the cloud). */
  deadLetters?: { count: number; items: { id: string; detectorId: string; cause: string; since: string }[] };
  /** The camera streams of edge-config, with their local zones and the latest frame (review UI zone drawing). */
  cameras?: HubCameraReport[];
}

export interface HubCameraReport {
  name: string;
  detectorIds: string[];
  localZones: WireZone[];
  /** Left out: the cloud keeps the frame it has. */
  frame?: { jpegBase64: string; width: number; height: number; at: string };
}

const CAMERA_ZONES = `query HubCameraZones {
  hubs { cameras { name zones { name box { x y width height } polygon { x y } } } }
}`;

const HEARTBEAT = `mutation HubHeartbeat($input: HubHeartbeatInput!) {
  hubHeartbeat(input: $input) { ok error { code message } }
}`;

export class HttpCloudClient implements CloudClient {
  private readonly http: HttpClient;

  constructor(
    baseUrl: string,
    private readonly edgeToken: string | null,
    private readonly timeoutMs: number,
  ) {
    this.http = new HttpClient(baseUrl, { maxSockets: 16 });
  }

  get url(): string {
    return this.http.baseUrl;
  }

  private headers(token: string | null): Record<string, string> {
    const t = token ?? this.edgeToken;
    return { accept: 'application/json', ...(t ? { 'x-api-token': t } : {}) };
  }

  async getDetector(id: string, token: string | null): Promise<Fetched<Detector>> {
    const r = await this.http.request(`/device-api/v1/detectors/${encodeURIComponent(id)}`, {
      headers: this.headers(this.edgeToken ?? token),
      timeoutMs: this.timeoutMs,
    });
    return fetched(r, (json) => DetectorSchema.parse(json));
  }

  async listDetectors(): Promise<Fetched<Detector[]>> {
    const all: Detector[] = [];
    for (let page = 1; page <= 100; page++) {
      const r = await this.http.request(`/device-api/v1/detectors?page=${page}&page_size=100`, {
        headers: this.headers(null),
        timeoutMs: this.timeoutMs,
      });
      const f = fetched(r, (json) => {
        const body = json as { results?: unknown[]; next?: unknown };
        return {
          results: (body.results ?? []).flatMap((d) => {
            const p = DetectorSchema.safeParse(d);
            return p.success ? [p.data] : [];
          }),
          next: typeof body.next === 'string' && body.next.length > 0,
        };
      });
      if (f.kind !== 'ok') return f;
      all.push(...f.value.results);
      if (!f.value.next || f.value.results.length === 0) break;
    }
    return { kind: 'ok', value: all };
  }

  async checkToken(token: string): Promise<TokenVerdict> {
    const r = await this.http.request('/device-api/v1/me', {
      headers: { accept: 'application/json', 'x-api-token': token },
      timeoutMs: this.timeoutMs,
    });
    // Only a failure to reach the cloud means "offline"; a 5xx/429 is a cloud that answered but said nothing.
    if (!r.ok) return 'unreachable';
    if (r.response.status === 401 || r.response.status === 403) return 'invalid';
    return r.response.status >= 200 && r.response.status < 300 ? 'valid' : 'unavailable';
  }

  async roleOf(token: string): Promise<Fetched<Role>> {
    const r = await this.http.request('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-token': token },
      body: JSON.stringify({ query: '{ me { role } }' }),
      timeoutMs: this.timeoutMs,
    });
    const f = fetched(r, (json) =>
      RoleSchema.safeParse((json as { data?: { me?: { role?: unknown } } }).data?.me?.role),
    );
    if (f.kind !== 'ok') return f;
    // GraphQL answers 200 with an UNAUTHENTICATED error (and no role) for a bad token.
    return f.value.success ? { kind: 'ok', value: f.value.data } : { kind: 'unauthorized' };
  }

  async submitImageQuery(input: SubmitEscalation): Promise<SubmitResult> {
    // inspection_id travels in the metadata, as the edge has always sent it.
    const q = buildSubmitQuery({
      detectorId: input.detectorId,
      imageQueryId: input.iqId,
      patienceTime: input.params.patience_time,
      confidenceThreshold: input.params.confidence_threshold,
      humanReview: input.params.human_review ?? 'DEFAULT',
      wantAsync: input.wantAsync,
      inspectionId: undefined,
      metadata: input.params.metadata,
    });
    const image = Buffer.from(input.image.buffer, input.image.byteOffset, input.image.byteLength);
    const send = (body: Buffer, contentType: string) =>
      this.http.request(`/device-api/v1/image-queries?${q.toString()}`, {
        method: 'POST',
        headers: { ...this.headers(null), 'content-type': contentType },
        body,
        timeoutMs: input.timeoutMs,
      });
    // The edge's explanation travels beside the image (libs/schema escalation-body.ts); a cloud from before
    // explanations answers that 415, and gets the image alone.
    const { explanation } = input.params;
    let r = explanation
      ? await send(...bodyAndType(escalationBody(image, input.contentType, explanation)))
      : await send(image, input.contentType);
    if (explanation && r.ok && r.response.status === 415) r = await send(image, input.contentType);
    if (!r.ok) {
      return {
        outcome: r.kind === 'timeout' ? { kind: 'timeout' } : { kind: 'network', message: r.message },
        imageQuery: null,
        detail: r.kind === 'timeout' ? 'timeout' : r.message,
      };
    }
    const { status, headers } = r.response;
    const retryAfter = Number(headers['retry-after']);
    const code = status >= 200 && status < 300 ? null : problemCode(r.response);
    const outcome: SendOutcome = {
      kind: 'http',
      status,
      retryAfterS: Number.isFinite(retryAfter) ? retryAfter : null,
      code,
    };
    if (status >= 200 && status < 300) {
      const parsed = ImageQuerySchema.safeParse(jsonBody(r.response));
      return { outcome, imageQuery: parsed.success ? parsed.data : null, detail: null };
    }
    return {
      outcome,
      imageQuery: null,
      detail: `${status}${code ? ` ${code}` : ''}: ${problemDetail(r.response)}`,
    };
  }

  async getImageQuery(id: string): Promise<Fetched<ImageQuery>> {
    const r = await this.http.request(`/device-api/v1/image-queries/${encodeURIComponent(id)}`, {
      headers: this.headers(null),
      timeoutMs: this.timeoutMs,
    });
    return fetched(r, (json) => ImageQuerySchema.parse(json));
  }

  async fetchModelUrls(detectorId: string, token: string | null): Promise<Fetched<EdgeModelInfo>> {
    const r = await this.http.request(`/edge-api/v1/fetch-model-urls/${encodeURIComponent(detectorId)}/`, {
      headers: this.headers(token ?? this.edgeToken),
      timeoutMs: 10_000,
    });
    return fetched(r, (json) => EdgeModelInfoSchema.parse(json));
  }

  async download(url: string, timeoutMs: number): Promise<Fetched<Buffer>> {
    const absolute = /^https?:\/\//.test(url)
      ? url
      : `${this.http.baseUrl}${url.startsWith('/') ? '' : '/'}${url}`;
    const r = await this.http.request(absolute, { timeoutMs, maxResponseBytes: 512 * 1024 * 1024 });
    return fetched(r, (_json, body) => body, false);
  }

  async hubHeartbeat(input: HubHeartbeat, hubToken: string): Promise<boolean> {
    const r = await this.http.request('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-token': hubToken },
      body: JSON.stringify({ query: HEARTBEAT, variables: { input } }),
      timeoutMs: 5000,
    });
    if (!r.ok || r.response.status !== 200) return false;
    const json = jsonBody(r.response) as { data?: { hubHeartbeat?: { ok?: boolean } } } | null;
    return json?.data?.hubHeartbeat?.ok === true;
  }

  async cameraZones(hubToken: string): Promise<Fetched<{ name: string; zones: WireZone[] }[]>> {
    const r = await this.http.request('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-token': hubToken },
      body: JSON.stringify({ query: CAMERA_ZONES }),
      timeoutMs: this.timeoutMs,
    });
    const f = fetched(r, (json) => json as { data?: { hubs?: { cameras?: unknown }[] }; errors?: unknown[] });
    if (f.kind !== 'ok') return f;
    // A bad token is a 200 with an UNAUTHENTICATED error and no data.
    const hub = f.value.data?.hubs?.[0];
    if (!hub || !Array.isArray(hub.cameras)) return { kind: 'unauthorized' };
    return { kind: 'ok', value: hub.cameras as { name: string; zones: WireZone[] }[] };
  }

  close(): void {
    this.http.close();
  }
}

function bodyAndType(b: { body: Buffer; contentType: string }): [Buffer, string] {
  return [b.body, b.contentType];
}

function fetched<T>(r: HttpResult, parse: (json: unknown, body: Buffer) => T, json = true): Fetched<T> {
  if (!r.ok) return { kind: 'unreachable', message: r.kind === 'timeout' ? 'timeout' : r.message };
  const { status } = r.response;
  if (status === 404) return { kind: 'not_found' };
  if (status === 401 || status === 403) return { kind: 'unauthorized' };
  if (status < 200 || status >= 300)
    return { kind: 'unreachable', message: `HTTP ${status}: ${problemDetail(r.response)}` };
  try {
    return { kind: 'ok', value: parse(json ? jsonBody(r.response) : null, r.response.body) };
  } catch (e) {
    return {
      kind: 'unreachable',
      message: `unexpected response: ${e instanceof Error ? e.message.slice(0, 300) : String(e)}`,
    };
  }
}
