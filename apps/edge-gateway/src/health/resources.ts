/**
 * `GET /status/resources.json`: what this edge uses and serves — CPU (cores, load, this process's CPU time),
 * memory (machine and process) and, per detector it serves or holds models for, the installed model versions
 * (the newest installed, which the inference service serves once it loads).
 */
import os from 'node:os';
import type { ModelStore } from '../models/model-store';

export interface ResourceStatus {
  cpu: { cores: number; load_average: number[]; process_user_s: number; process_system_s: number };
  memory: {
    total_bytes: number;
    free_bytes: number;
    process_rss_bytes: number;
    process_heap_used_bytes: number;
  };
  uptime_s: number;
  detectors: Record<string, { primary_version: number | null; oodd_version: number | null }>;
}

export async function resourceStatus(deps: {
  models: Pick<ModelStore, 'versions' | 'detectorIds'>;
  servedIds: () => string[];
}): Promise<ResourceStatus> {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const ids = [...new Set([...deps.servedIds(), ...(await deps.models.detectorIds())])].sort();
  const detectors: ResourceStatus['detectors'] = {};
  for (const id of ids) {
    const [primary, oodd] = await Promise.all([
      deps.models.versions(id, 'primary'),
      deps.models.versions(id, 'oodd'),
    ]);
    detectors[id] = { primary_version: primary[0] ?? null, oodd_version: oodd[0] ?? null };
  }
  return {
    cpu: {
      cores: os.availableParallelism(),
      load_average: os.loadavg(),
      process_user_s: cpu.user / 1e6,
      process_system_s: cpu.system / 1e6,
    },
    memory: {
      total_bytes: os.totalmem(),
      free_bytes: os.freemem(),
      process_rss_bytes: mem.rss,
      process_heap_used_bytes: mem.heapUsed,
    },
    uptime_s: process.uptime(),
    detectors,
  };
}
