import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntelliOpticsError } from '@intellioptics/schema';
import { createLogger } from '../logger';
import { waitFor } from '../../test/support/harness';
import { EdgeConfigService } from './edge-config.service';

const DET = 'det_' + 'A'.repeat(27);
const DET2 = 'det_' + 'B'.repeat(27);
let svc: EdgeConfigService | null = null;

function make() {
  const dir = mkdtempSync(join(tmpdir(), 'edge-cfg-'));
  const file = join(dir, 'config', 'edge-config.yaml');
  let failures = 0;
  svc = new EdgeConfigService({
    file,
    log: createLogger('silent'),
    debounceMs: 20,
    onReloadFailure: () => failures++,
  });
  return { svc, file, failures: () => failures };
}

afterEach(() => svc?.stop());

describe(EdgeConfigService.name, () => {
  it('starts with the defaults when there is no file', async () => {
    const { svc } = make();
    await svc.start();
    expect(svc.presetFor(DET).name).toBe('default');
    expect(svc.lastProblem).toBeNull();
  });

  it('hot-reloads a changed file and keeps the last good config when the file breaks', async () => {
    const { svc, file, failures } = make();
    await svc.start();
    writeFileSync(file, `detectors:\n  - { detector_id: ${DET}, edge_inference_config: no_cloud }\n`);
    await waitFor(() => svc.presetFor(DET).name === 'no_cloud', 5000, 'the reload');

    writeFileSync(file, `detectors:\n  - { detector_id: ${DET}, edge_inference_config: nope }\n`);
    await waitFor(() => svc.lastProblem !== null, 5000, 'the failed reload');
    expect(svc.presetFor(DET).name).toBe('no_cloud');
    expect(svc.lastProblem?.errors[0]?.path).toBe('detectors[0].edge_inference_config');
    expect(failures()).toBe(1);

    writeFileSync(
      file,
      `detectors:\n  - { detector_id: ${DET}, edge_inference_config: edge_answers_with_escalation }\n`,
    );
    await waitFor(() => svc.presetFor(DET).name === 'edge_answers_with_escalation', 5000, 'recovery');
    expect(svc.lastProblem).toBeNull();
  });

  it('validates a PUT body with field messages and persists a good one atomically', async () => {
    const { svc, file } = make();
    await svc.start();
    await expect(svc.replace({ global_config: { refresh_rate: -1 } })).rejects.toSatisfy(
      (e: unknown) =>
        e instanceof IntelliOpticsError &&
        e.status === 422 &&
        e.message.includes('global_config.refresh_rate') &&
        (e.fieldErrors?.[0]?.path ?? '') === 'global_config.refresh_rate',
    );
    await svc.replace({ detectors: [{ detector_id: DET2, edge_inference_config: 'disabled' }] });
    expect(svc.presetFor(DET2).enabled).toBe(false);
    expect(readFileSync(file, 'utf8')).toContain(DET2);
  });

  it('keeps unknown keys in the file and ignores them, with a warning', async () => {
    const { svc, file } = make();
    await svc.start();
    await svc.replace({
      global_config: { refresh_rate: 30, newer_setting: true },
      detectors: [{ detector_id: DET2, edge_inference_config: 'disabled', colour: 'red' }],
    });
    expect(svc.presetFor(DET2).enabled).toBe(false);
    expect(readFileSync(file, 'utf8')).toMatch(/newer_setting: true[\s\S]*colour: red/);
    expect(JSON.stringify(svc.payload())).not.toMatch(/newer_setting|colour/);
    // Read back from the file (a restart): the same config, nothing refused.
    const restarted = new EdgeConfigService({ file, log: createLogger('silent'), debounceMs: 20 });
    expect(await restarted.reload('startup')).toBe(true);
    expect(restarted.lastProblem).toBeNull();
    expect(restarted.presetFor(DET2).enabled).toBe(false);
    expect(restarted.config.global_config.refresh_rate).toBe(30);
  });
});
