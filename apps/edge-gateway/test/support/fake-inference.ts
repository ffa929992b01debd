/** A real HTTP stand-in for the inference service: answers `/infer` from a per-detector table. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type InferAnswer = { status: number; body: unknown };

export class FakeInference {
  readonly answers = new Map<string, InferAnswer>();
  calls = 0;
  /** How many detectors each call asked about. */
  readonly detectorsPerCall: number[] = [];
  private server: http.Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  setConfident(detectorId: string, classIndex: number, confidence: number, inDomain = 1): void {
    const names = ['YES', 'NO'];
    const p = classIndex === 0 ? [confidence, 1 - confidence] : [1 - confidence, confidence];
    const pOut = 1 - inDomain;
    this.answers.set(detectorId, {
      status: 200,
      body: {
        detector_id: detectorId,
        mode: 'BINARY',
        label: { index: classIndex, name: names[classIndex] },
        probabilities: { YES: p[0], NO: p[1] },
        confidence,
        in_domain_probability: inDomain,
        adjusted_confidence: pOut * 0.5 + (1 - pOut) * confidence,
        model_versions: { primary: { version: 1, model_id: 'mv_1' }, oodd: { version: 1, model_id: 'mv_2' } },
        timings_ms: { decode: 0, backbone: 0, heads: 0, total: 0 },
      },
    });
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.calls++;
        const ids = new URL(req.url ?? '/', 'http://x').searchParams.getAll('detector_id');
        this.detectorsPerCall.push(ids.length);
        const noModel: InferAnswer = { status: 404, body: { detail: 'no model', code: 'MODEL_NOT_FOUND' } };
        const answers = ids.map((id) => this.answers.get(id) ?? noModel);
        // As the inference service: one detector at top level, several as {results}; any failure fails the call.
        const failed = answers.find((x) => x.status !== 200);
        const a: InferAnswer =
          answers.length === 1
            ? answers[0]!
            : (failed ?? {
                status: 200,
                body: {
                  results: answers.map((x) => x.body),
                  timings_ms: { decode: 0, backbone: 0, heads: 0, total: 0 },
                },
              });
        const text = JSON.stringify(a.body);
        res.writeHead(a.status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
