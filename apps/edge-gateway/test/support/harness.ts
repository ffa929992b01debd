/** Builds a real gateway (real HTTP, real SQLite state) on a free port with a temp IO_HOME. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../../src/config/env';
import { createLogger } from '../../src/logger';
import { buildServer, type EdgeGateway } from '../../src/server';

export interface Harness {
  gateway: EdgeGateway;
  url: string;
  ioHome: string;
}

export async function startGateway(opts: {
  cloudUrl: string;
  inferenceUrl: string;
  token: string;
  configYaml?: string;
  ioHome?: string;
  env?: Record<string, string>;
  random?: () => number;
}): Promise<Harness> {
  const ioHome = opts.ioHome ?? mkdtempSync(join(tmpdir(), 'edge-gw-'));
  if (opts.configYaml !== undefined) {
    mkdirSync(join(ioHome, 'config'), { recursive: true });
    writeFileSync(join(ioHome, 'config', 'edge-config.yaml'), opts.configYaml);
  }
  const env = parseEnv({
    IO_HOME: ioHome,
    CLOUD_URL: opts.cloudUrl,
    INFERENCE_URL: opts.inferenceUrl,
    EDGE_API_TOKEN: opts.token,
    LOG_LEVEL: 'silent',
    OUTBOX_IDLE_POLL_MS: '100',
    OUTBOX_BACKOFF_MAX_S: '0.5',
    CLOUD_TIMEOUT_MS: '1000',
    SYNC_ESCALATION_TIMEOUT_MS: '2000',
    IQ_REFRESH_INTERVAL_S: '0.2',
    CONFIG_RELOAD_DEBOUNCE_MS: '50',
    MODEL_UPDATES: '0',
    ...opts.env,
  });
  const gateway = await buildServer({
    env,
    log: createLogger('silent'),
    ...(opts.random ? { random: opts.random } : {}),
  });
  await gateway.start();
  const port = await gateway.listen(0, '127.0.0.1');
  return { gateway, url: `http://127.0.0.1:${port}`, ioHome };
}

export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<Exclude<Awaited<T>, null | undefined | false>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as Exclude<Awaited<T>, null | undefined | false>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Outbox rows (any state) of these image queries. The outbox is the only way an answered query leaves the edge
 * later, and a row is written before the answer goes out: 0 right after the answers proves nothing will be sent
 * for them, without waiting to see that nothing arrives.
 */
export async function outboxRows(gateway: EdgeGateway, iqIds: readonly string[]): Promise<number> {
  if (iqIds.length === 0) return 0;
  const rs = await gateway.store.db.read({
    sql: `SELECT COUNT(*) AS n FROM outbox WHERE iq_id IN (${iqIds.map(() => '?').join(', ')})`,
    args: [...iqIds],
  });
  return Number(rs.rows[0]!.n);
}
