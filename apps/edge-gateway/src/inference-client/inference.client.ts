/**
 * `POST {INFERENCE_URL}/infer` with the raw image bytes, over a keep-alive agent. One call answers several
 * detectors from one backbone pass (`?detector_id=a&detector_id=b` → `{results: [...]}`); the answer
 * (libs/schema `DetectorAnswer`) is kept whole for the decision and the Groundlight answer, with the numbers
 * the escalation metadata needs beside it.
 *
 * The detector's spec (mode and mode_configuration) travels in the query (`mode=COUNT&class_name=person…`)
 * for the modes a built-in model can answer (COUNT, BOUNDING_BOX, TEXT), so a detector with no trained
 * package is answered by the COCO detector or the OCR. The service takes a spec for one detector per call,
 * so those detectors are asked alone; BINARY and MULTI_CLASS detectors share one call.
 */
import {
  DetectorSpecSchema,
  detectorSpecQuery,
  parseInferResponse,
  type Detector,
  type DetectorAnswer,
} from '@intellioptics/schema';
import { HttpClient, jsonBody, problemCode, problemDetail, type HttpResult } from '../http/http-client';

/** One detector's answer as the edge uses it. */
export interface EdgePrediction {
  /** Index of the predicted class of the primary head (BINARY: 0 = YES, 1 = NO; COUNT: the count). */
  classIndex: number;
  /** The class name the model reports. */
  labelName: string | null;
  /** The primary model's confidence in that class, before the OODD adjustment. */
  primaryConfidence: number;
  numClasses: number;
  /** Probability that the image is out of domain; null when no OODD model is installed. */
  outlierProbability: number | null;
  modelVersions: { primary: number | null; oodd: number | null };
  /** The cloud's model version ids (model_id.txt) when known. */
  modelIds: { primary: string | null; oodd: string | null };
  /** The service's whole answer (count, boxes, text, unanswered for the built-in models). */
  answer: DetectorAnswer;
}

/** What the client must know of a detector to ask for it: its id, and its spec for the built-in models. */
export type InferenceTarget = Pick<Detector, 'id' | 'mode' | 'mode_configuration'>;

export type InferenceCall =
  | { kind: 'ok'; prediction: EdgePrediction }
  /** No model installed for this detector (404 MODEL_NOT_FOUND). */
  | { kind: 'no_model' }
  /** Inference is down, timed out, or failed (5xx). */
  | { kind: 'down'; message: string }
  /** The image was refused (4xx other than MODEL_NOT_FOUND): passed on to the client as is. */
  | { kind: 'rejected'; status: number; code: string | null; detail: string };

export interface InferenceClient {
  /** `detectorId`: an id (no spec) or the detector (its spec goes along for the built-in modes). */
  infer(detectorId: string | InferenceTarget, image: Uint8Array, contentType: string): Promise<InferenceCall>;
  /** Every detector's answer for one image, from one backbone pass when the service can. Keyed by id. */
  inferMany(
    detectorIds: readonly (string | InferenceTarget)[],
    image: Uint8Array,
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

  async infer(
    target: string | InferenceTarget,
    image: Uint8Array,
    contentType: string,
  ): Promise<InferenceCall> {
    const detectorId = idOf(target);
    const spec = specQueryOf(target);
    const r = await this.post(
      `detector_id=${encodeURIComponent(detectorId)}${spec ? `&${spec}` : ''}`,
      image,
      contentType,
    );
    const call =
      r.ok && r.response.status === 200
        ? answered(jsonBody(r.response), [detectorId]).get(detectorId)!
        : failure(r);
    this.remember(detectorId, call);
    return call;
  }

  async inferMany(
    detectorIds: readonly (string | InferenceTarget)[],
    image: Uint8Array,
    contentType: string,
  ): Promise<Map<string, InferenceCall>> {
    const targets = new Map(detectorIds.map((t) => [idOf(t), t] as const));
    const ids = [...targets.keys()];
    const now = Date.now();
    const alone = new Set(
      ids.filter(
        (id) =>
          specQueryOf(targets.get(id)!) !== null ||
          now - (this.noModelAt.get(id) ?? -Infinity) < NO_MODEL_MEMORY_MS,
      ),
    );
    const shared = ids.filter((id) => !alone.has(id));
    const out = new Map<string, InferenceCall>();
    const one = async (id: string) =>
      void out.set(id, await this.infer(targets.get(id)!, image, contentType));
    const together = async () => {
      if (shared.length <= 1) return void (await Promise.all(shared.map(one)));
      const r = await this.post(
        shared.map((id) => `detector_id=${encodeURIComponent(id)}`).join('&'),
        image,
        contentType,
      );
      if (r.ok && r.response.status === 200) {
        for (const [id, call] of answered(jsonBody(r.response), shared)) out.set(id, call);
        return;
      }
      const call = failure(r);
      // A refusal naming one detector (no model, an id it cannot load) fails the whole call: ask each alone.
      if (call.kind === 'no_model' || (call.kind === 'rejected' && call.code === 'INVALID_PARAMETER')) {
        return void (await Promise.all(shared.map(one)));
      }
      for (const id of shared) out.set(id, call);
    };
    await Promise.all([together(), ...[...alone].map(one)]);
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

  private post(query: string, image: Uint8Array, contentType: string): Promise<HttpResult> {
    return this.http.request(`/infer?${query}`, {
      method: 'POST',
      headers: { 'content-type': contentType, accept: 'application/json' },
      body: Buffer.from(image.buffer, image.byteOffset, image.byteLength),
      timeoutMs: this.timeoutMs,
    });
  }

  private remember(detectorId: string, call: InferenceCall): void {
    if (call.kind === 'no_model') this.noModelAt.set(detectorId, Date.now());
    else this.noModelAt.delete(detectorId);
  }
}

/** Each asked detector's answer from a 200 body; one the body lacks (or cannot parse) is the service failing. */
function answered(json: unknown, ids: readonly string[]): Map<string, InferenceCall> {
  const parsed = parseInferResponse(json);
  const byId = new Map(parsed.ok ? parsed.answers.map((a) => [a.detector_id, a] as const) : []);
  const out = new Map<string, InferenceCall>();
  for (const id of ids) {
    // A single answer is for the one detector asked, whatever id it echoes.
    const answer = byId.get(id) ?? (ids.length === 1 && parsed.ok ? parsed.answers[0] : undefined);
    out.set(
      id,
      answer
        ? { kind: 'ok', prediction: predictionOf(answer) }
        : { kind: 'down', message: parsed.ok ? `inference gave no answer for ${id}` : parsed.error },
    );
  }
  return out;
}

/** The edge's view of one answer of the service. */
export function predictionOf(a: DetectorAnswer): EdgePrediction {
  return {
    classIndex: a.label.index,
    labelName: a.label.name,
    primaryConfidence: a.confidence,
    numClasses: Math.max(2, Object.keys(a.probabilities).length),
    outlierProbability: a.in_domain_probability === null ? null : 1 - a.in_domain_probability,
    modelVersions: {
      primary: a.model_versions.primary.version,
      oodd: a.model_versions.oodd?.version ?? null,
    },
    modelIds: { primary: a.model_versions.primary.model_id, oodd: a.model_versions.oodd?.model_id ?? null },
    answer: a,
  };
}

const idOf = (t: string | InferenceTarget): string => (typeof t === 'string' ? t : t.id);

/** The spec query of a detector a built-in model may answer; null for ids, other modes, or an invalid spec. */
export function specQueryOf(t: string | InferenceTarget): string | null {
  if (typeof t === 'string' || t.mode === 'BINARY' || t.mode === 'MULTI_CLASS') return null;
  const spec = DetectorSpecSchema.safeParse({
    mode: t.mode,
    mode_configuration: t.mode_configuration ?? null,
  });
  // COUNT and BOUNDING_BOX need a class name; without one the service would refuse the whole call.
  const config = spec.success ? spec.data.mode_configuration : null;
  if (!spec.success || (t.mode !== 'TEXT' && typeof config?.['class_name'] !== 'string')) return null;
  return detectorSpecQuery(spec.data);
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
