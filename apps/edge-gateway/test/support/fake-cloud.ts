/**
 * A small real HTTP server standing in for the cloud's Groundlight REST routes, counting what arrives. Used
 * until apps/cloud-graph exists and for failure injection (down, 5xx, refusals) that a real cloud cannot do
 * on demand.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  isMultipart,
  readEscalationBody,
  type Detector,
  type Explanation,
  type ImageQuery,
} from '@intellioptics/schema';

export interface ReceivedEscalation {
  params: Record<string, string>;
  /** The image's size (read out of the multipart body when the edge sent its explanation beside it). */
  bytes: number;
  token: string | undefined;
  explanation: Explanation | null;
}

export class FakeCloud {
  readonly detectors = new Map<string, Detector>();
  readonly iqs = new Map<string, ImageQuery>();
  readonly received: ReceivedEscalation[] = [];
  readonly validTokens = new Set<string>();
  /** The role `{ me { role } }` reports per token; valid tokens not listed are ADMIN. */
  readonly roles = new Map<string, 'ADMIN' | 'REVIEWER' | 'HUB'>();
  /** GraphQL `me { role }` questions received. */
  roleQueries = 0;
  /** When set, every image-query POST answers this status. */
  failWith: number | null = null;
  private server: http.Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  label(id: string, label: 'YES' | 'NO'): void {
    const iq = this.iqs.get(id);
    if (!iq) throw new Error(`no iq ${id}`);
    this.iqs.set(id, {
      ...iq,
      result: {
        result_type: 'binary_classification',
        label,
        confidence: 1,
        source: 'USER',
        from_edge: false,
      },
      done_processing: true,
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const token = req.headers['x-api-token'] as string | undefined;
    const send = (status: number, value: unknown) => {
      const text = JSON.stringify(value);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    const p = url.pathname;
    if (p === '/graphql' && req.method === 'POST' && /\bme\s*\{\s*role\s*\}/.test(body.toString())) {
      this.roleQueries++;
      // As the cloud's GraphQL does: 200 with an UNAUTHENTICATED error for a bad token.
      if (!token || !this.validTokens.has(token)) {
        return send(200, {
          data: null,
          errors: [{ message: 'bad token', extensions: { code: 'UNAUTHENTICATED' } }],
        });
      }
      return send(200, { data: { me: { role: this.roles.get(token) ?? 'ADMIN' } } });
    }
    if (!token || !this.validTokens.has(token)) return send(401, { detail: 'bad token' });
    if (p === '/device-api/v1/me') return send(200, { username: 'u', email: 'u@x', is_superuser: false });
    if (p === '/device-api/v1/detectors' && req.method === 'GET') {
      const all = [...this.detectors.values()];
      return send(200, { count: all.length, next: null, previous: null, results: all });
    }
    const det = /^\/device-api\/v1\/detectors\/([^/]+)$/.exec(p);
    if (det) {
      const d = this.detectors.get(det[1]!);
      return d ? send(200, d) : send(404, { detail: 'not found' });
    }
    if (p === '/device-api/v1/image-queries' && req.method === 'POST') {
      const params = Object.fromEntries(url.searchParams);
      // As the real cloud: an escalation with the edge's explanation is multipart (image + explanation).
      const type = req.headers['content-type'];
      const parts = isMultipart(type) ? readEscalationBody(body, type!) : null;
      this.received.push({
        params,
        bytes: parts ? parts.image.length : body.length,
        token,
        explanation: parts?.explanation ?? null,
      });
      if (this.failWith !== null) return send(this.failWith, { detail: 'injected failure' });
      const d = this.detectors.get(params.detector_id ?? '');
      if (!d) return send(404, { detail: 'detector not found', code: 'DETECTOR_NOT_FOUND' });
      const id = params.image_query_id ?? `iq_cloud${this.iqs.size}`;
      // As the real cloud: a resend of an id by its submitter (one here) is idempotent, answered with the
      // stored query; a 409 means the id is someone else's.
      const existing = this.iqs.get(id);
      if (existing) {
        return existing.detector_id === d.id
          ? send(200, existing)
          : send(409, { detail: 'exists', code: 'ALREADY_EXISTS' });
      }
      const iq: ImageQuery = {
        metadata: null,
        id,
        type: 'image_query',
        created_at: new Date().toISOString(),
        query: d.query,
        detector_id: d.id,
        result_type: 'binary_classification',
        result: null,
        patience_time: Number(params.patience_time ?? 30),
        confidence_threshold: Number(params.confidence_threshold ?? d.confidence_threshold),
        rois: null,
        text: null,
        done_processing: false,
      };
      this.iqs.set(id, iq);
      return send(200, iq);
    }
    const iq = /^\/device-api\/v1\/image-queries\/([^/]+)$/.exec(p);
    if (iq) {
      const found = this.iqs.get(iq[1]!);
      return found ? send(200, found) : send(404, { detail: 'not found' });
    }
    return send(404, { detail: 'Not Found' });
  }
}

export function detector(id: string, overrides: Partial<Detector> = {}): Detector {
  return {
    id,
    type: 'detector',
    created_at: new Date().toISOString(),
    name: `det ${id.slice(-4)}`,
    query: 'Is the guard rail closed?',
    group_name: 'default',
    metadata: null,
    mode: 'BINARY',
    mode_configuration: null,
    confidence_threshold: 0.9,
    patience_time: 30,
    status: 'ON',
    escalation_type: 'STANDARD',
    ...overrides,
  };
}
