/**
 * io hubs list | register | rotate-token | allow (cloud GraphQL), io hubs assign (an edge's detectors: the edge's own
 * GET/PUT /edge-config, the Groundlight edge-endpoint contract), io edge status (an edge's health, readiness and
 * config; all but health need the caller's token at the edge).
 */
import type { Command } from 'commander';
import type { CloudClient } from '../cloud.client';
import type { Context } from '../context';
import { CliError } from '../errors';
import { networkCause } from '../network-error';
import {
  HUBS,
  REGISTER_HUB,
  ROTATE_HUB_TOKEN,
  SET_HUB_DETECTORS,
  type Hub,
  type Payload,
} from '../graphql.operations';
import { table } from '../output';
import { resolveDetector } from './detector.resolve';

const row = (h: Hub) => ({
  id: h.id,
  name: h.name,
  online: h.online,
  lastHeartbeat: h.lastHeartbeatAt,
  detectors: h.servedDetectors.map((s) => `${s.detectorId}@v${s.primaryVersion ?? '-'}`).join(' '),
  token: `${h.tokenSnippet}…`,
  allowed: h.assignedDetectorIds === null ? 'all' : h.assignedDetectorIds.join(' ') || 'none',
});

async function resolveHub(cloud: CloudClient, ref: string): Promise<Hub> {
  const { hubs } = await cloud.graphql<{ hubs: Hub[] }>(HUBS);
  const hub = hubs.find((h) => h.id === ref || h.name === ref);
  if (!hub) throw new CliError(`No hub ${JSON.stringify(ref)}: see io hubs list.`);
  return hub;
}

interface EdgeConfigPayload {
  detectors: { detector_id: string; edge_inference_config: string }[];
  edge_inference_configs: Record<string, unknown>;
  [key: string]: unknown;
}

async function edgeFetch(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      // plain text
    }
    return { status: res.status, body };
  } catch (err) {
    const cause = networkCause(err);
    throw new CliError(
      `Cannot reach the edge at ${new URL(url).origin} (${cause}): check --url (nginx listens on :30101).`,
    );
  }
}

const edgeBase = (url: string) => url.replace(/\/+$/, '');
const edgeRefusedToken = (base: string) =>
  new CliError(
    `The edge at ${base} refused the API token (401): give --token, or io login with a token its cloud knows.`,
  );

export function registerHubs(program: Command, ctx: Context): void {
  const hubs = program.command('hubs').description('edge devices known to the cloud');

  hubs.command('list').action(async function (this: Command) {
    const { hubs: list } = await ctx.cloud().graphql<{ hubs: Hub[] }>(HUBS);
    ctx.out(this).print(list, (l) => table(l.map(row)));
  });

  hubs
    .command('register')
    .description('a new hub and its token (printed once: put it in the edge as EDGE_HUB_TOKEN)')
    .requiredOption('--name <name>', 'hub name')
    .action(async function (this: Command) {
      const r = await ctx
        .cloud()
        .mutate<Payload & { hub: Hub; token: string }>(
          REGISTER_HUB,
          { name: this.opts<{ name: string }>().name },
          'registerHub',
        );
      ctx
        .out(this)
        .print(
          { hub: r.hub, token: r.token },
          (x) =>
            `${x.token}\n(hub ${x.hub.name} ${x.hub.id}: set EDGE_HUB_TOKEN to this; shown only now. It sees no detector until io hubs allow ${x.hub.name} --detectors a,b or --all)`,
        );
    });

  hubs
    .command('rotate-token <hub>')
    .description('replace a hub token (id or name); the old one stops working')
    .action(async function (this: Command, ref: string) {
      const cloud = ctx.cloud();
      const hub = await resolveHub(cloud, ref);
      const r = await cloud.mutate<Payload & { hub: Hub; token: string }>(
        ROTATE_HUB_TOKEN,
        { hubId: hub.id },
        'rotateHubToken',
      );
      ctx
        .out(this)
        .print(
          { hub: r.hub, token: r.token },
          (x) => `${x.token}\n(new token of ${x.hub.name}: update EDGE_HUB_TOKEN on the edge)`,
        );
    });

  hubs
    .command('allow <hub>')
    .description('limit which detectors a hub may see and use in the cloud (or --all)')
    .option('--detectors <a,b,…>', 'detector ids or names (comma-separated; empty = none)')
    .option('--all', 'every detector again')
    .action(async function (this: Command, ref: string) {
      const o = this.opts<{ detectors?: string; all?: boolean }>();
      if (Boolean(o.all) === (o.detectors !== undefined))
        throw new CliError('Give either --detectors a,b or --all.');
      const cloud = ctx.cloud();
      const hub = await resolveHub(cloud, ref);
      const refs = (o.detectors ?? '')
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean);
      const detectorIds = o.all
        ? null
        : await Promise.all(refs.map(async (d) => (await resolveDetector(cloud, d)).id));
      const r = await cloud.mutate<Payload & { hub: Hub }>(
        SET_HUB_DETECTORS,
        { hubId: hub.id, detectorIds },
        'setHubDetectors',
      );
      ctx
        .out(this)
        .print(
          r.hub,
          (h) => `${h.name} may use ${row(h).allowed === 'all' ? 'every detector' : row(h).allowed}`,
        );
    });

  hubs
    .command('assign')
    .description("serve a detector on an edge (adds it to the edge's edge-config)")
    .requiredOption('--edge <url>', 'the edge, e.g. http://edge:30101')
    .requiredOption('--detector <detector>', 'detector id or name')
    .option('--preset <name>', 'edge inference preset', 'default')
    .action(async function (this: Command) {
      const o = this.opts<{ edge: string; detector: string; preset: string }>();
      const cloud = ctx.cloud();
      const d = await resolveDetector(cloud, o.detector);
      const base = edgeBase(o.edge);
      const current = await edgeFetch(`${base}/edge-config`, { headers: { 'x-api-token': cloud.token } });
      if (current.status === 401) throw edgeRefusedToken(base);
      if (current.status !== 200)
        throw new CliError(`GET ${base}/edge-config answered ${current.status}: is this an edge?`);
      const config = current.body as EdgeConfigPayload;
      if (!(o.preset in config.edge_inference_configs)) {
        throw new CliError(
          `The edge has no preset ${o.preset}: use one of ${Object.keys(config.edge_inference_configs).join(', ')}.`,
        );
      }
      config.detectors = [
        ...config.detectors.filter((x) => x.detector_id !== d.id),
        { detector_id: d.id, edge_inference_config: o.preset },
      ];
      const put = await edgeFetch(`${base}/edge-config`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-api-token': cloud.token },
        body: JSON.stringify(config),
      });
      if (put.status !== 200)
        throw new CliError(`The edge refused the config (${put.status}): ${JSON.stringify(put.body)}`);
      ctx.out(this).print(put.body, () => `${base} now serves ${d.name} (${d.id}) with preset ${o.preset}`);
    });

  const edge = program.command('edge').description('an edge device, through its own API');
  edge
    .command('status')
    .description("an edge's readiness, detectors and their readiness")
    .requiredOption('--url <url>', 'the edge, e.g. http://edge:30101')
    .option('--token <token>', 'API token for the edge (default: the one io login keeps)')
    .action(async function (this: Command) {
      const o = this.opts<{ url: string; token?: string }>();
      const base = edgeBase(o.url);
      // Only health is open at an edge: readiness and config need a token the edge's cloud knows.
      const auth = { headers: { 'x-api-token': o.token ?? ctx.cloud().token } };
      const [ready, readiness, config] = await Promise.all([
        edgeFetch(`${base}/health/ready`),
        edgeFetch(`${base}/edge-detector-readiness`, auth),
        edgeFetch(`${base}/edge-config`, auth),
      ]);
      if (readiness.status === 401 || config.status === 401) throw edgeRefusedToken(base);
      const detectors = (readiness.body ?? {}) as Record<string, { ready: boolean }>;
      const status = {
        url: base,
        ready: ready.status === 200,
        health: ready.body,
        detectors: Object.entries(detectors).map(([id, r]) => ({ id, ready: r.ready })),
        presets: Object.keys((config.body as EdgeConfigPayload | undefined)?.edge_inference_configs ?? {}),
      };
      ctx
        .out(this)
        .print(status, (s) =>
          [
            `${s.url}: ${s.ready ? 'ready' : 'NOT ready'}`,
            table(s.detectors.map((x) => ({ detector: x.id, ready: x.ready }))),
          ].join('\n'),
        );
      if (!status.ready) ctx.exitCode = 1;
    });
}
