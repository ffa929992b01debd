/**
 * The engine on a real SQLite database: the clock fires NO_QUERIES / NO_CHANGE rules with nobody asking, an
 * answer re-arms them, and a firing is one outbox row per destination committed with the rule's state (a new
 * engine over the same database neither loses nor repeats it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImageQuery, Rule } from '@intellioptics/schema';
import { createLogger } from '../logger';
import { EdgeDatabase } from '../store/edge-database';
import { AlertEngine } from './alert.engine';
import { AlertOutbox } from './alert.outbox';
import { AlertRuleStore } from './alert-rule.store';
import { waitFor } from '../../test/support/harness';

const DET = 'det_2fzmiwQTNBNpQbVUWkJmSlJBT3j';

function rule(id: number, condition: Rule['condition']): Rule {
  return {
    id,
    detector_id: DET,
    detector_name: 'door',
    name: `rule ${id}`,
    enabled: true,
    condition,
    snooze_time_enabled: false,
    snooze_time_value: 0,
    snooze_time_unit: 'SECONDS',
    human_review_required: false,
    action: [],
    webhook_action: [{ url: 'http://127.0.0.1:9/hook', include_image: false }],
  };
}

function iq(label: 'YES' | 'NO', source = 'ALGORITHM'): ImageQuery {
  return {
    id: `iq_${Math.random().toString(36).slice(2)}`,
    type: 'image_query',
    created_at: new Date().toISOString(),
    query: 'Door open?',
    detector_id: DET,
    result_type: 'binary_classification',
    result: {
      result_type: 'binary_classification',
      label,
      confidence: 0.95,
      source,
      from_edge: true,
    },
    metadata: null,
    patience_time: 30,
    confidence_threshold: 0.9,
    rois: null,
    text: null,
    done_processing: true,
  } as unknown as ImageQuery;
}

/** An answer as the image query service stores it (with its image). */
async function storeAnswer(q: ImageQuery): Promise<void> {
  const at = Date.parse(q.created_at);
  await db.write([
    {
      sql: `INSERT INTO image_query_with_image (id, detector_id, created_at, json, escalation, final, updated_at,
              content_type, bytes, refs, data) VALUES (?, ?, ?, ?, 'none', 1, ?, 'image/jpeg', 3, 1, ?)`,
      args: [q.id, q.detector_id, at, JSON.stringify(q), at, new Uint8Array([0xff, 0xd8, 0xff])],
    },
  ]);
}

let dir = '';
let db: EdgeDatabase;

async function engineOver(rules: Rule[]) {
  const store = new AlertRuleStore(db);
  await store.load();
  if (rules.length) await store.replaceForDetector(DET, rules, Date.now());
  const outbox = new AlertOutbox(db);
  const engine = new AlertEngine({
    rules: store,
    outbox,
    db,
    images: { forImageQuery: () => Promise.resolve(null) },
    mqttTopicPrefix: 'io',
    reportToCloud: true,
    source: 'test-edge',
    onEnqueued: () => undefined,
    log: createLogger('silent'),
  });
  await engine.start();
  return { engine, outbox, store };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alert-engine-'));
  db = await EdgeDatabase.open(dir, 'process');
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('AlertEngine', () => {
  it('NO_QUERIES fires on the clock, once, and again only after an answer re-armed it', async () => {
    const { engine, outbox } = await engineOver([
      rule(1, { verb: 'NO_QUERIES', parameters: { time_value: 1, time_unit: 'SECONDS' } }),
    ]);
    const firings = async () => new Set((await outbox.list()).map((r) => r.alertId)).size;
    await waitFor(async () => (await firings()) === 1, 5000, 'the first firing');
    const rows = await outbox.list();
    // One row per destination: the webhook, the MQTT topic, the cloud.
    expect(rows.map((r) => [r.channel, r.target])).toEqual([
      ['webhook', 'http://127.0.0.1:9/hook'],
      ['mqtt', `io/${DET}/alert`],
      ['cloud', '/device-api/v1/actions/alerts'],
    ]);
    expect(JSON.parse(rows[0]!.body)).toMatchObject({
      verb: 'NO_QUERIES',
      image_query_id: null,
      source: 'test-edge',
    });
    await new Promise((r) => setTimeout(r, 1300));
    expect(await firings()).toBe(1);
    engine.answered(iq('YES'));
    await engine.idle();
    await waitFor(async () => (await firings()) === 2, 5000, 'the second firing');
    await engine.stop();
  });

  it('NO_CHANGE fires when the same answer has stood for the window', async () => {
    const { engine, outbox } = await engineOver([
      rule(2, { verb: 'NO_CHANGE', parameters: { time_value: 1, time_unit: 'SECONDS' } }),
    ]);
    engine.answered(iq('NO'));
    await engine.idle();
    expect(await outbox.list()).toHaveLength(0);
    await waitFor(async () => (await outbox.list()).length === 3, 5000, 'the NO_CHANGE firing');
    expect(JSON.parse((await outbox.list())[0]!.body)).toMatchObject({ label: 'NO', verb: 'NO_CHANGE' });
    await engine.stop();
  });

  it('keeps the rule state across engines: a restart neither repeats nor forgets a firing', async () => {
    const changed = rule(3, { verb: 'CHANGED_TO', parameters: { label: 'YES' } });
    const first = await engineOver([changed]);
    first.engine.answered(iq('NO'));
    first.engine.answered(iq('YES'));
    await first.engine.idle();
    await first.engine.stop();
    expect(new Set((await first.outbox.list()).map((r) => r.alertId)).size).toBe(1);

    const second = await engineOver([]);
    expect(second.store.forDetector(DET)).toHaveLength(1);
    second.engine.answered(iq('YES'));
    await second.engine.idle();
    expect(new Set((await second.outbox.list()).map((r) => r.alertId)).size).toBe(1);
    second.engine.answered(iq('NO'));
    second.engine.answered(iq('YES'));
    await second.engine.idle();
    expect(new Set((await second.outbox.list()).map((r) => r.alertId)).size).toBe(2);
    await second.engine.stop();
  });

  it('human_review_required: only people’s answers, made or arriving later from the cloud, move the rule', async () => {
    const people = {
      ...rule(5, { verb: 'CHANGED_TO', parameters: { label: 'YES' } }),
      human_review_required: true,
    };
    const machine = rule(6, { verb: 'CHANGED_TO', parameters: { label: 'YES' } });
    const { engine, outbox } = await engineOver([people, machine]);
    const firedBy = async (id: number) =>
      new Set((await outbox.list({ ruleId: id })).map((r) => r.alertId)).size;
    engine.answered(iq('NO'));
    engine.answered(iq('YES'));
    await engine.idle();
    expect([await firedBy(5), await firedBy(6)]).toEqual([0, 1]);
    // A reviewer's answers arrive later (the answer refresher): only the rule that waits for people takes them.
    engine.reviewed(iq('NO', 'USER'));
    engine.reviewed(iq('YES', 'USER'));
    engine.reviewed(iq('YES', 'ALGORITHM'));
    await engine.idle();
    expect([await firedBy(5), await firedBy(6)]).toEqual([1, 1]);
    await engine.stop();
  });

  it('evaluates an answer stored but not evaluated before the process died, at the next start', async () => {
    const changed = rule(7, { verb: 'CHANGED_TO', parameters: { label: 'YES' } });
    const first = await engineOver([changed]);
    const no = iq('NO');
    await storeAnswer(no);
    first.engine.answered(no);
    await first.engine.idle();
    // Stored, then the process died before the rules took it.
    const yes = { ...iq('YES'), created_at: new Date(Date.parse(no.created_at) + 5).toISOString() };
    await storeAnswer(yes);
    await first.engine.stop();
    expect(await first.outbox.list()).toHaveLength(0);

    const second = await engineOver([]);
    await second.engine.idle();
    const rows = await second.outbox.list();
    expect(rows).toHaveLength(3);
    expect(JSON.parse(rows[0]!.body)).toMatchObject({ image_query_id: yes.id, label: 'YES' });
    await second.engine.stop();
    // Taken once: a third start replays nothing.
    const third = await engineOver([]);
    await third.engine.idle();
    expect(await third.outbox.list()).toHaveLength(3);
    await third.engine.stop();
  });

  it('a disabled rule does not fire', async () => {
    const { engine, outbox } = await engineOver([
      { ...rule(4, { verb: 'CHANGED_TO', parameters: { label: 'YES' } }), enabled: false },
    ]);
    engine.answered(iq('NO'));
    engine.answered(iq('YES'));
    await engine.idle();
    expect(await outbox.list()).toHaveLength(0);
    await engine.stop();
  });
});
