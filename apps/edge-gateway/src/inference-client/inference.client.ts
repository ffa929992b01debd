/**
 * `POST {INFERENCE_URL}/infer` with the raw image bytes, over a keep-alive agent. One call answers several
 * detectors from one backbone pass (`?detector_id=a&detector_id=b` → `{results: [...]}`); the answer is
 * reduced to what the decision and the edge image query need.
 */
import { HttpClient, jsonBody, problemCode, problemDetail, type HttpResult } from '../http/http-client';
import { parseInferenceResponse, parseInferenceResults, type EdgePrediction } from './inference-response';

export type InferenceCall =
  | { kind: 'ok'; prediction: EdgePrediction }
  /** No model installed for this detector (404 MODEL_NOT_FOUND). */
  | { kind: 'no_model' }
  /** Inference is down, timed out, or failed (5xx). */
  | { kind: 'down'; message: string }
  /** The image was refused (4xx other than MODEL_NOT_FOUND): passed on to the client as is. */
  | { kind: 'rejected'; status: number; code: string | null; detail: string };

export interface InferenceClient {
  infer(detectorId: string, image: Buffer, contentType: string): Promise<InferenceCall>;
  /** Every detector's answer for one image, from one backbone pass when the service can. */
  inferMany(
    detectorIds: readonly string[],
    image: Buffer,
    contentType: string,
  ): Promise<Map<string, InferenceCall>>;
  ready(): Promise<boolean>;
  close(): void;
}

/**
 * A detector that had no model is asked on its own for this long, so one detector still waiting for its
 * first model does not fail the shared call of the others (the service refuses a call naming a detector it
 * cannot load; that refusal comes before any decoding, so the separate call is cheap).
 */
const NO_MODEL_MEMORY_MS = 30_000;

export class HttpInferenceClient implements InferenceClient {
  private readonly http: HttpClient;
  private readonly noModelAt = new Map<string, number>();

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
    maxSockets: number,
    private readonly healthUrl: string | null = null,
  ) {
    this.http = new HttpClient(baseUrl, { maxSockets });
  }

  async infer(detectorId: string, image: Buffer, contentType: string): Promise<InferenceCall> {
    const r = await this.post(`detector_id=${encodeURIComponent(detectorId)}`, image, contentType);
    const call = r.ok && r.response.status === 200 ? single(jsonBody(r.response)) : failure(r);
    this.remember(detectorId, call);
    return call;
  }

  async inferMany(
    detectorIds: readonly string[],
    image: Buffer,
    contentType: string,
  ): Promise<Map<string, InferenceCall>> {
    const ids = [...new Set(detectorIds)];
    const now = Date.now();
    const shared = ids.filter((id) => !(now - (this.noModelAt.get(id) ?? -Infinity) < NO_MODEL_MEMORY_MS));
    const alone = ids.filter((id) => !shared.includes(id));
    const out = new Map<string, InferenceCall>();
    const one = async (id: string) => void out.set(id, await this.infer(id, image, contentType));
    const together = async () => {
      if (shared.length <= 1) return Promise.all(shared.map(one));
      const r = await this.post(
        shared.map((id) => `detector_id=${encodeURIComponent(id)}`).join('&'),
        image,
        contentType,
      );
      const calls = r.ok && r.response.status === 200 ? many(jsonBody(r.response), shared) : null;
      if (calls) {
        for (const [id, call] of calls) out.set(id, call);
        return;
      }
      const call = failure(r);
      // A refusal naming one detector (no model, an id it cannot load) fails the whole call: ask each alone.
      if (call.kind === 'no_model' || (call.kind === 'rejected' && call.code === 'INVALID_PARAMETER')) {
        return Promise.all(shared.map(one));
      }
      for (const id of shared) out.set(id, call);
    };
    await Promise.all([together(), ...alone.map(one)]);
    return out;
  }

  async ready(): Promise<boolean> {
    const url = this.healthUrl ?? `${this.http.baseUrl}/health/ready`;
    const r = await this.http.request(url, { timeoutMs: 2000 });
    return r.ok && r.response.status === 200;
  }

  close(): void {
    this.http.close();
  }

  private post(query: string, image: Buffer, contentType: string): Promise<HttpResult> {
    return this.http.request(`/infer?${query}`, {
      method: 'POST',
      headers: { 'content-type': contentType, accept: 'application/json' },
      body: image,
      timeoutMs: this.timeoutMs,
    });
  }

  private remember(detectorId: string, call: InferenceCall): void {
    if (call.kind === 'no_model') this.noModelAt.set(detectorId, Date.now());
    else this.noModelAt.delete(detectorId);
  }
}

function single(json: unknown): InferenceCall {
  const parsed = parseInferenceResponse(json);
  return parsed.ok ? { kind: 'ok', prediction: parsed.value } : { kind: 'down', message: parsed.error };
}

/** Each asked detector's answer from a `{results}` body; a body that misses one is treated as the service failing. */
function many(json: unknown, ids: readonly string[]): Map<string, InferenceCall> {
  const parsed = parseInferenceResults(json);
  const out = new Map<string, InferenceCall>();
  for (const id of ids) {
    const prediction = parsed.ok ? parsed.value.get(id) : undefined;
    out.set(
      id,
      prediction
        ? { kind: 'ok', prediction }
        : { kind: 'down', message: parsed.ok ? `inference gave no answer for ${id}` : parsed.error },
    );
  }
  return out;
}

function failure(r: HttpResult): InferenceCall {
  if (!r.ok) return { kind: 'down', message: r.kind === 'timeout' ? 'inference timed out' : r.message };
  const { status } = r.response;
  const code = problemCode(r.response);
  if (status === 404 && (code === null || code === 'MODEL_NOT_FOUND')) return { kind: 'no_model' };
  if (status >= 500 || status === 429 || status === 404) {
    return { kind: 'down', message: `inference answered ${status}: ${problemDetail(r.response)}` };
  }
  return { kind: 'rejected', status, code, detail: problemDetail(r.response) };
}
