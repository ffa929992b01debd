/** Prometheus metrics (prom-client), one registry per server so tests can build several. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'inference_' });
  const latencyBuckets = [0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1, 2, 5];
  return {
    registry,
    requests: new Counter({
      name: 'inference_requests_total',
      help: 'Inference answers by detector and HTTP status',
      labelNames: ['detector', 'status'] as const,
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'inference_request_duration_seconds',
      help: 'Time from request received to answer sent, by detector',
      labelNames: ['detector'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    stageDuration: new Histogram({
      name: 'inference_stage_duration_seconds',
      help: 'Time per request stage (decode, backbone, heads)',
      labelNames: ['stage'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    backboneBatch: new Histogram({
      name: 'inference_backbone_batch_size',
      help: 'Images per backbone run (micro-batching)',
      buckets: [1, 2, 3, 4, 6, 8, 16],
      registers: [registry],
    }),
    modelLoads: new Counter({
      name: 'inference_model_loads_total',
      help: 'Model package loads by kind and result',
      labelNames: ['kind', 'result'] as const,
      registers: [registry],
    }),
    modelLoadDuration: new Histogram({
      name: 'inference_model_load_duration_seconds',
      help: 'Time to read, verify and create the ONNX session of one package',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
      registers: [registry],
    }),
    evictions: new Counter({
      name: 'inference_evictions_total',
      help: 'Detectors unloaded from memory, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    refusedPackages: new Counter({
      name: 'inference_refused_packages_total',
      help: 'Model packages refused (corrupt, sha256 mismatch, unloadable)',
      labelNames: ['kind', 'reason'] as const,
      registers: [registry],
    }),
    versionSwaps: new Counter({
      name: 'inference_model_version_swaps_total',
      help: 'New model versions picked up without restart',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    loadedDetectors: new Gauge({
      name: 'inference_loaded_detectors',
      help: 'Detectors currently held in memory',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
