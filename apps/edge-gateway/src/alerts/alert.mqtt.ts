/**
 * Alerts on an MQTT broker (ALERT_MQTT_URL): each alert, QoS 1, on `<prefix>/<detector_id>/alert`, and per
 * detector with rules a retained Home Assistant discovery config
 * (`<discovery>/binary_sensor/intellioptics_<detector_id>/config`): a problem sensor that turns ON with each
 * alert (the alert's fields as its attributes) and OFF a minute later.
 *
 * A publish is attempted only while connected and counts once the broker acknowledged it (PUBACK); anything
 * else is a failed attempt the outbox retries, so a broker outage loses nothing.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../logger';

export interface MqttSettings {
  url: string;
  topicPrefix: string;
  discoveryPrefix: string;
}

export interface DiscoveredDetector {
  id: string;
  name: string;
}

/** Seconds the Home Assistant sensor stays ON after an alert. */
const OFF_DELAY_S = 60;

export function alertTopic(prefix: string, detectorId: string): string {
  return `${prefix}/${detectorId}/alert`;
}

export function discoveryMessage(
  s: MqttSettings,
  hubName: string,
  d: DiscoveredDetector,
): { topic: string; payload: string } {
  const objectId = `intellioptics_${d.id}`;
  return {
    topic: `${s.discoveryPrefix}/binary_sensor/${objectId}/config`,
    payload: JSON.stringify({
      name: `${d.name} alert`,
      unique_id: `${objectId}_alert`,
      object_id: `${objectId}_alert`,
      state_topic: alertTopic(s.topicPrefix, d.id),
      value_template: "{{ 'ON' }}",
      payload_on: 'ON',
      off_delay: OFF_DELAY_S,
      json_attributes_topic: alertTopic(s.topicPrefix, d.id),
      device_class: 'problem',
      device: {
        identifiers: [`intellioptics_${hubName}`],
        name: `IntelliOptics ${hubName}`,
        manufacturer: 'IntelliOptics',
      },
    }),
  };
}

export class AlertMqtt {
  private readonly client: MqttClient;
  private announced = new Map<string, string>();
  private detectors: DiscoveredDetector[] = [];

  constructor(
    private readonly settings: MqttSettings,
    private readonly hubName: string,
    private readonly log: Logger,
  ) {
    this.client = mqtt.connect(settings.url, {
      clientId: `intellioptics-${hubName}-${process.pid}`,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      // Offline publishes are refused (the outbox retries them), not queued in memory.
      queueQoSZero: false,
    });
    this.client.on('connect', () => {
      this.log.info({ broker: redact(settings.url) }, 'alert MQTT connected');
      this.announced.clear();
      void this.announce(this.detectors);
    });
    this.client.on('error', (err) => this.log.debug({ err }, 'alert MQTT error'));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Publish (QoS 1); resolves once the broker acknowledged it, rejects when not connected or too slow. */
  async publish(topic: string, payload: string, opts: { retain?: boolean; timeoutMs?: number } = {}) {
    if (!this.client.connected) throw new Error('MQTT broker not connected');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.client.publishAsync(topic, payload, { qos: 1, retain: opts.retain ?? false }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('MQTT publish not acknowledged in time')),
            opts.timeoutMs ?? 5000,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The discovery configs of these detectors (retained; re-sent after every reconnect and when they change). */
  async announce(detectors: readonly DiscoveredDetector[]): Promise<void> {
    this.detectors = [...detectors];
    if (!this.client.connected) return;
    for (const d of this.detectors) {
      const msg = discoveryMessage(this.settings, this.hubName, d);
      if (this.announced.get(d.id) === msg.payload) continue;
      try {
        await this.publish(msg.topic, msg.payload, { retain: true });
        this.announced.set(d.id, msg.payload);
      } catch (err) {
        this.log.debug({ err, detectorId: d.id }, 'MQTT discovery config not published yet');
      }
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'mqtt';
  }
}
