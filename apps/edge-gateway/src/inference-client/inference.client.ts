/**
 * `POST {INFERENCE_URL}/infer?detector_id=…` with the raw image bytes, over a keep-alive agent. The answer is
 * reduced to what the decision and the edge IQ need; the full JSON is kept for `metadata.edge_result`.
 */
import { HttpClient, jsonBody, problemCode, problemDetail } from '../http/http-client';
import { parseInferenceResponse, type EdgePrediction } from './inference-response';

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
  ready(): Promise<boolean>;
  close(): void;
}

export class HttpInferenceClient implements InferenceClient {
  private readonly http: HttpClient;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
    maxSockets: number,
    private readonly healthUrl: string | null = null,
  ) {
    this.http = new HttpClient(baseUrl, { maxSockets });
  }

  async infer(detectorId: string, image: Buffer, contentType: string): Promise<InferenceCall> {
    const r = await this.http.request(`/infer?detector_id=${encodeURIComponent(detectorId)}`, {
      method: 'POST',
      headers: { 'content-type': contentType, accept: 'application/json' },
      body: image,
      timeoutMs: this.timeoutMs,
    });
    if (!r.ok) return { kind: 'down', message: r.kind === 'timeout' ? 'inference timed out' : r.message };
    const { status } = r.response;
    if (status === 200) {
      const parsed = parseInferenceResponse(jsonBody(r.response));
      return parsed.ok ? { kind: 'ok', prediction: parsed.value } : { kind: 'down', message: parsed.error };
    }
    const code = problemCode(r.response);
    if (status === 404 && (code === null || code === 'MODEL_NOT_FOUND')) return { kind: 'no_model' };
    if (status >= 500 || status === 429 || status === 404) {
      return { kind: 'down', message: `inference answered ${status}: ${problemDetail(r.response)}` };
    }
    return { kind: 'rejected', status, code, detail: problemDetail(r.response) };
  }

  async ready(): Promise<boolean> {
    const url = this.healthUrl ?? `${this.http.baseUrl}/health/ready`;
    const r = await this.http.request(url, { timeoutMs: 2000 });
    return r.ok && r.response.status === 200;
  }

  close(): void {
    this.http.close();
  }
}
