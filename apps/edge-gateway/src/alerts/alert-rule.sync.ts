/**
 * Fetches the alert rules of the detectors this edge serves from the cloud
 * (`GET /device-api/v1/actions/detector/{id}/rules`) every ALERT_RULES_REFRESH_S, into the SQLite cache.
 * Offline or on a cloud error the cached rules stay; a detector the cloud no longer knows loses its rules.
 */
import { RuleSchema, type Rule } from '@intellioptics/schema';
import { z } from 'zod';
import type { HttpClient } from '../http/http-client';
import type { Logger } from '../logger';
import type { AlertRuleStore } from './alert-rule.store';

const RuleListSchema = z.object({ results: z.array(RuleSchema) });

export interface AlertRuleSyncDeps {
  http: Pick<HttpClient, 'request'>;
  token: string;
  store: AlertRuleStore;
  /** The detectors whose rules to fetch (served ones). */
  detectorIds: () => string[];
  onChange: () => Promise<void> | void;
  intervalMs: number;
  timeoutMs: number;
  log: Logger;
  now?: () => number;
}

export class AlertRuleSync {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(private readonly deps: AlertRuleSyncDeps) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), Math.max(200, this.deps.intervalMs));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  /** One pass over every served detector (a pass already running is joined, not doubled). */
  refresh(): Promise<void> {
    this.inFlight ??= this.pass().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async pass(): Promise<void> {
    const ids = [...new Set([...this.deps.detectorIds(), ...this.deps.store.detectorIds()])];
    let changed = false;
    for (const id of ids) {
      const rules = await this.fetch(id);
      if (rules === null) continue;
      const now = (this.deps.now ?? Date.now)();
      if (await this.deps.store.replaceForDetector(id, rules, now)) changed = true;
    }
    if (changed) await this.deps.onChange();
  }

  /** The detector's rules, [] when the cloud does not know it, null when the cloud did not answer. */
  private async fetch(detectorId: string): Promise<Rule[] | null> {
    const r = await this.deps.http.request(
      `/device-api/v1/actions/detector/${encodeURIComponent(detectorId)}/rules`,
      { headers: { 'x-api-token': this.deps.token }, timeoutMs: this.deps.timeoutMs },
    );
    if (!r.ok) return null;
    if (r.response.status === 404) {
      // Only a detector the cloud does not know loses its rules (an older cloud without the route keeps them).
      return r.response.body.toString('utf8').includes('DETECTOR_NOT_FOUND') ? [] : null;
    }
    if (r.response.status !== 200) {
      this.deps.log.debug({ detectorId, status: r.response.status }, 'alert rules not fetched');
      return null;
    }
    try {
      return RuleListSchema.parse(JSON.parse(r.response.body.toString('utf8'))).results;
    } catch (err) {
      this.deps.log.warn(
        { err, detectorId },
        'alert rules from the cloud do not parse; keeping the cached ones',
      );
      return null;
    }
  }
}
