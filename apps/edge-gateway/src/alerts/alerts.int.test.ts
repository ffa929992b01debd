/**
 * Alerts end to end with real parts: a real cloud (PostgreSQL) holds the rules, a real inference service
 * counts people with the built-in COCO detector on the repo's photos (chelsea.jpg: a cat, 0 people;
 * person.jpg: 1), the edge fetches the rules, evaluates them on its answers and delivers to a local webhook
 * receiver (node http, HMAC checked), a real mosquitto broker (discovery config + alert messages) and the
 * cloud (recentAlerts). The receiver starts down: alerts are retried, then delivered once each; a snoozed
 * rule stays silent; an alert pending when the edge stops is delivered by the restarted edge, which does not
 * fire again on the same state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '@intellioptics/vision/test-fixtures';
import { createClient } from '@libsql/client';
import { freePort, spawnGateway } from '../../test/support/child';
import { startGateway, waitFor, type Harness } from '../../test/support/harness';
import {
  cloudChild,
  createDatabase,
  gql,
  inferenceChild,
  type ServiceChild,
} from '../../test/support/real-services';
import { ALERT_ID_HEADER, SIGNATURE_HEADER, verifySignature } from './alert.payload';

const ADMIN = 'io_admin_edge_alerts_token_0000001';
const SECRET = 'alerts-test-secret-0123456789';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  signed: boolean;
}

/** A webhook receiver that can be taken down and brought back on the same port. */
class Receiver {
  readonly received: Received[] = [];
  private server: Server | null = null;
  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async up(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const header = req.headers[SIGNATURE_HEADER];
        const signed = verifySignature(
          SECRET,
          body,
          typeof header === 'string' ? header : undefined,
          Date.now() / 1000,
        );
        this.received.push({ headers: req.headers, body, signed });
        res.writeHead(signed ? 200 : 401).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }

  alertIds(): string[] {
    return this.received.map((r) => String(r.headers[ALERT_ID_HEADER]));
  }
}

let work = '';
let db: { url: string; drop: () => void };
let cloud: ServiceChild;
let cloudUrl = '';
let inference: ServiceChild;
let inferenceUrl = '';
let mosquitto: ChildProcess;
let mqttUrl = '';
let subscriber: MqttClient;
const messages: { topic: string; payload: string; retain: boolean }[] = [];
let receiver: Receiver;
let edge: Harness;
let edgeClosed = false;
let ioHome = '';
let detectorId = '';
const rule = { every: 0, snoozed: 0 };
let cat: Buffer;
let person: Buffer;

async function cloudPost(path: string, body: unknown): Promise<{ id: number | string }> {
  const res = await fetch(`${cloudUrl}${path}`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: number | string };
}

async function ask(image: Buffer): Promise<number | null> {
  const res = await fetch(`${edge.url}/device-api/v1/image-queries?detector_id=${detectorId}`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'image/jpeg' },
    body: new Uint8Array(image),
  });
  const iq = (await res.json()) as { result: { count: number | null } | null };
  expect(res.status, JSON.stringify(iq)).toBe(200);
  await edge.gateway.alerts.engine.idle();
  return iq.result?.count ?? null;
}

const edgeEnv = () => ({
  CLOUD_TIMEOUT_MS: '3000',
  SYNC_ESCALATION_TIMEOUT_MS: '6000',
  EDGE_HUB_NAME: 'alerts-edge',
  ALERT_WEBHOOK_SECRET: SECRET,
  ALERT_MQTT_URL: mqttUrl,
  ALERT_RULES_REFRESH_S: '0.3',
  ALERT_RETRY_MAX_S: '0.4',
});

async function startEdge(): Promise<Harness> {
  return startGateway({
    cloudUrl,
    inferenceUrl,
    token: ADMIN,
    ioHome,
    env: edgeEnv(),
    configYaml: [
      'global_config: { refresh_rate: 3600, confident_audit_rate: 0 }',
      'detectors:',
      `  - { detector_id: ${detectorId}, edge_inference_config: edge_answers_with_escalation }`,
    ].join('\n'),
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'edge-alerts-'));
  ioHome = join(work, 'edge-home');
  [cat, person] = await Promise.all([fixture('photos/chelsea.jpg'), fixture('detection/person.jpg')]);

  const brokerPort = await freePort();
  mqttUrl = `mqtt://127.0.0.1:${brokerPort}`;
  mosquitto = spawn('mosquitto', ['-p', String(brokerPort)], { stdio: 'ignore' });
  subscriber = await waitFor(
    async () => {
      try {
        return await mqtt.connectAsync(mqttUrl, { reconnectPeriod: 0, connectTimeout: 1000 });
      } catch {
        return null;
      }
    },
    15_000,
    'mosquitto to accept connections',
  );
  subscriber.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain }),
  );
  await subscriber.subscribeAsync(['intellioptics/#', 'homeassistant/#'], { qos: 1 });

  receiver = new Receiver(await freePort());

  db = createDatabase();
  ({ child: cloud, url: cloudUrl } = await cloudChild({ databaseUrl: db.url, work, adminToken: ADMIN }));
  await cloud.start();
  detectorId = String(
    (
      await cloudPost('/device-api/v1/detectors', {
        name: `people at the door ${work.slice(-6)}`,
        query: 'How many people?',
        mode: 'COUNT',
        mode_configuration: { class_name: 'people', max_count: 10 },
        confidence_threshold: 0.5,
      })
    ).id,
  );
  const changedToOne = { verb: 'CHANGED_TO', parameters: { label: '1' } };
  rule.every = Number(
    (
      await cloudPost(`/device-api/v1/actions/detector/${detectorId}/rules`, {
        name: 'Someone arrived',
        condition: changedToOne,
        webhook_action: [
          {
            url: receiver.url,
            include_image: false,
            payload_template: {
              template:
                '{"text": "{{ message }}", "count": {{ label | tojson }}, "iq": "{{ image_query_id }}"}',
              headers: { 'x-team': 'safety' },
            },
          },
        ],
      })
    ).id,
  );
  rule.snoozed = Number(
    (
      await cloudPost(`/device-api/v1/actions/detector/${detectorId}/rules`, {
        name: 'Someone arrived (hourly)',
        condition: changedToOne,
        snooze_time_enabled: true,
        snooze_time_value: 1,
        snooze_time_unit: 'HOURS',
        webhook_action: [{ url: receiver.url, include_image: true }],
      })
    ).id,
  );

  const started = await inferenceChild(ioHome);
  inference = started.child;
  inferenceUrl = started.url;
  await inference.start();
  edge = await startEdge();
  await waitFor(() => edge.gateway.alerts.rules.forDetector(detectorId).length === 2, 15_000, 'the rules');
}, 600_000);

afterAll(async () => {
  if (!edgeClosed) await edge?.gateway.close();
  await receiver?.down();
  await subscriber?.endAsync(true);
  mosquitto?.kill('SIGTERM');
  await inference?.stop();
  await cloud?.stop();
  db?.drop();
}, 60_000);

const alertMessages = () => messages.filter((m) => m.topic === `intellioptics/${detectorId}/alert`);

describe('alerts from the answers made at the edge', () => {
  it('serves the actions routes through the edge (forwarded to the cloud) and picks up a rule made there', async () => {
    const listed = await fetch(`${edge.url}/device-api/v1/actions/rules`, {
      headers: { 'x-api-token': ADMIN },
    });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { count: number }).count).toBe(2);
    const created = await fetch(`${edge.url}/device-api/v1/actions/detector/${detectorId}/rules`, {
      method: 'POST',
      headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Paused',
        enabled: false,
        condition: { verb: 'NO_QUERIES', parameters: { time_value: 1, time_unit: 'SECONDS' } },
        webhook_action: [{ url: receiver.url }],
      }),
    });
    expect(created.status).toBe(201);
    await waitFor(
      () => edge.gateway.alerts.rules.forDetector(detectorId).length === 3,
      10_000,
      'the new rule',
    );
    const bad = await fetch(`${edge.url}/device-api/v1/actions/detector/${detectorId}/rules`, {
      method: 'POST',
      headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', condition: { verb: 'SOMETIMES', parameters: {} } }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toContain('condition');
  });

  it('announces the detector to Home Assistant on the broker (retained binary_sensor config)', async () => {
    const config = await waitFor(
      () =>
        messages.find((m) => m.topic === `homeassistant/binary_sensor/intellioptics_${detectorId}/config`),
      10_000,
      'the discovery config',
    );
    expect(JSON.parse(config.payload)).toMatchObject({
      unique_id: `intellioptics_${detectorId}_alert`,
      state_topic: `intellioptics/${detectorId}/alert`,
      json_attributes_topic: `intellioptics/${detectorId}/alert`,
      device_class: 'problem',
      device: { name: 'IntelliOptics alerts-edge' },
    });
  });

  it('retries through a receiver outage, then delivers each alert once, signed, with the image when asked', async () => {
    expect(await ask(cat)).toBe(0);
    expect(await ask(person)).toBe(1);
    const outbox = edge.gateway.alerts.outbox;
    // The receiver is down: both webhook deliveries fail and are retried.
    await waitFor(
      async () => {
        const hooks = (await outbox.list()).filter((r) => r.channel === 'webhook');
        return hooks.length === 2 && hooks.every((r) => r.state === 'pending' && r.attempts >= 2);
      },
      15_000,
      'two retried webhook deliveries',
    );
    expect(receiver.received).toHaveLength(0);

    await receiver.up();
    await waitFor(() => receiver.received.length >= 2, 15_000, 'both webhooks');
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received.every((r) => r.signed)).toBe(true);
    expect(new Set(receiver.alertIds()).size).toBe(2);

    const templated = receiver.received.find((r) => r.headers['x-team'] === 'safety')!;
    expect(JSON.parse(templated.body)).toMatchObject({
      count: '1',
      text: expect.stringContaining('Someone arrived'),
    });
    const plain = receiver.received.find((r) => r.headers['x-team'] === undefined)!;
    const event = JSON.parse(plain.body) as {
      rule_id: number;
      label: string;
      image: { data_base64: string };
    };
    expect(event).toMatchObject({
      rule_id: rule.snoozed,
      label: '1',
      detector_id: detectorId,
      verb: 'CHANGED_TO',
    });
    expect(Buffer.from(event.image.data_base64, 'base64').equals(person)).toBe(true);

    // The same alerts on the broker and at the cloud.
    await waitFor(() => alertMessages().length >= 2, 10_000, 'the MQTT alerts');
    const ids = new Set(receiver.alertIds());
    expect(
      new Set(alertMessages().map((m) => (JSON.parse(m.payload) as { alert_id: string }).alert_id)),
    ).toEqual(ids);
    await waitFor(
      async () => {
        const { recentAlerts } = await gql<{ recentAlerts: { alertId: string }[] }>(
          cloudUrl,
          ADMIN,
          '{ recentAlerts { alertId } }',
        );
        return [...ids].every((id) => recentAlerts.some((a) => a.alertId === id));
      },
      10_000,
      'the alerts at the cloud',
    );
  }, 120_000);

  it('fires the unsnoozed rule again on the next change and keeps the snoozed one silent', async () => {
    expect(await ask(cat)).toBe(0);
    expect(await ask(person)).toBe(1);
    await waitFor(() => receiver.received.length >= 3, 15_000, 'the third webhook');
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received).toHaveLength(3);
    const rows = (await edge.gateway.alerts.outbox.list()).filter((r) => r.channel === 'webhook');
    expect(rows.filter((r) => r.ruleId === rule.every)).toHaveLength(2);
    expect(rows.filter((r) => r.ruleId === rule.snoozed)).toHaveLength(1);
    expect(rows.every((r) => r.state === 'sent')).toBe(true);
    expect(alertMessages()).toHaveLength(3);
    const registry = edge.gateway.metrics.registry;
    expect(await registry.getSingleMetricAsString('edge_alerts_snoozed_total')).toMatch(/ 1$/m);
    expect(await registry.getSingleMetricAsString('edge_alerts_fired_total')).toContain(
      'verb="CHANGED_TO"} 3',
    );
    expect(await registry.getSingleMetricAsString('edge_alert_outbox_pending')).toMatch(/ 0$/m);
  }, 120_000);

  it('delivers an alert still pending when the edge stopped after its restart, and does not fire it twice', async () => {
    await receiver.down();
    expect(await ask(cat)).toBe(0);
    expect(await ask(person)).toBe(1);
    const pending = (await edge.gateway.alerts.outbox.list()).filter(
      (r) => r.channel === 'webhook' && r.state === 'pending',
    );
    expect(pending).toHaveLength(1);
    await edge.gateway.close();

    await receiver.up();
    edge = await startEdge();
    await waitFor(() => receiver.received.length >= 4, 15_000, 'the pending alert after the restart');
    expect(receiver.alertIds()[3]).toBe(pending[0]!.alertId);

    // The rules' state survived: the same answer again is no change, so nothing fires.
    expect(await ask(person)).toBe(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received).toHaveLength(4);
    expect(new Set(receiver.alertIds()).size).toBe(4);
  }, 120_000);

  it('survives kill -9 of the edge process with an alert pending: the next process delivers it once', async () => {
    await edge.gateway.close();
    edgeClosed = true;
    await receiver.down();
    const env = {
      ...edgeEnv(),
      IO_HOME: ioHome,
      CLOUD_URL: cloudUrl,
      INFERENCE_URL: inferenceUrl,
      EDGE_API_TOKEN: ADMIN,
      MODEL_UPDATES: '0',
      LOG_LEVEL: 'silent',
    };
    const port = await freePort();
    const ask = async (url: string, image: Buffer) => {
      const res = await fetch(`${url}/device-api/v1/image-queries?detector_id=${detectorId}`, {
        method: 'POST',
        headers: { 'x-api-token': ADMIN, 'content-type': 'image/jpeg' },
        body: new Uint8Array(image),
      });
      expect(res.status).toBe(200);
    };
    const first = await spawnGateway(port, env);
    const state = createClient({ url: `file:${join(ioHome, 'state', 'edge-state.db')}` });
    try {
      const pendingHooks = async () =>
        (
          await state.execute(
            `SELECT alert_id FROM alert_outbox WHERE channel = 'webhook' AND state = 'pending' AND attempts >= 1`,
          )
        ).rows.map((r) => r.alert_id as string);
      await ask(first.url, cat);
      await ask(first.url, person);
      const pending = await waitFor(
        async () => {
          const ids = await pendingHooks();
          return ids.length === 1 ? ids : null;
        },
        15_000,
        'the pending alert in the killed process',
      );
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));

      await receiver.up();
      const second = await spawnGateway(port, env);
      try {
        await waitFor(() => receiver.received.length >= 5, 15_000, 'the alert after the crash');
        await new Promise((r) => setTimeout(r, 1000));
        expect(receiver.received).toHaveLength(5);
        expect(receiver.alertIds()[4]).toBe(pending[0]);
        expect(new Set(receiver.alertIds()).size).toBe(5);
      } finally {
        second.child.kill('SIGTERM');
        await new Promise((r) => second.child.once('exit', r));
      }
    } finally {
      state.close();
    }
  }, 120_000);
});
