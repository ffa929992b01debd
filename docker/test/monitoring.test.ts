/**
 * The `monitoring` compose profile, checked statically: the Grafana dashboard parses and every metric (and
 * grouping label) its panels query is one the services define with prom-client; the Prometheus configs scrape
 * services of their compose file; the provisioning points at what compose mounts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../../tools/check-compose';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** prom-client metrics defined in apps/<app>/src: name → label names. */
function definedMetrics(): Map<string, string[]> {
  const metrics = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name)) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(
          /new (?:Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{([\s\S]*?)\}\)/g,
        )) {
          const name = /name:\s*'([a-z_:][a-z0-9_:]*)'/.exec(m[1]!)?.[1];
          if (!name) continue;
          const labels = /labelNames:\s*\[([^\]]*)\]/.exec(m[1]!)?.[1] ?? '';
          metrics.set(
            name,
            [...labels.matchAll(/'([a-z_]+)'/g)].map((l) => l[1]!),
          );
        }
      }
    }
  };
  for (const app of readdirSync(join(ROOT, 'apps'))) walk(join(ROOT, 'apps', app, 'src'));
  return metrics;
}

interface Panel {
  id: number;
  title: string;
  datasource: { uid: string };
  targets: { expr: string; datasource: { uid: string } }[];
}

const dashboard = JSON.parse(read('monitoring/grafana/dashboards/intellioptics.json')) as {
  uid: string;
  panels: Panel[];
};
const metrics = definedMetrics();
const SERIES_SUFFIX = /_(?:bucket|sum|count)$/;
/** Series names in a PromQL expression (our metrics all start with a service prefix). */
const seriesOf = (expr: string) =>
  [...expr.matchAll(/\b((?:edge|inference|cloud_graph)_[a-z0-9_]+)/g)].map((m) => m[1]!);

describe('the Grafana dashboard', () => {
  it('finds the prom-client metrics in the code (the scan itself works)', () => {
    expect(metrics.get('edge_image_queries_total')).toEqual(expect.arrayContaining(['detector_id']));
    expect(metrics.has('inference_request_duration_seconds')).toBe(true);
    expect(metrics.get('cloud_graph_image_queries_total')).toEqual(['outcome']);
  });

  it('parses, with unique panel ids, every query on the provisioned Prometheus data source', () => {
    const datasource = parse(read('monitoring/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; url: string }[];
    };
    const uid = datasource.datasources[0]!.uid;
    expect(dashboard.uid).toBe('intellioptics');
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe(uid);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const t of panel.targets) expect(t.datasource.uid, panel.title).toBe(uid);
    }
  });

  it('queries only metrics the services define, grouped only by labels those metrics have', () => {
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets) {
        const series = seriesOf(expr);
        expect(series.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        const names = series.map((s) => (metrics.has(s) ? s : s.replace(SERIES_SUFFIX, '')));
        for (const name of names)
          expect(metrics.has(name), `${panel.title}: ${name} is not defined in apps/*/src`).toBe(true);
        const labels = new Set(names.flatMap((n) => metrics.get(n) ?? []));
        for (const m of expr.matchAll(/\bby \(([^)]*)\)/g)) {
          for (const label of m[1]!.split(',').map((l) => l.trim())) {
            if (label === 'le' || label === 'instance' || label === 'job') continue;
            expect(labels.has(label), `${panel.title}: no metric in ${expr} has label ${label}`).toBe(true);
          }
        }
        for (const m of expr.matchAll(/\{([a-z_]+)="/g))
          expect(labels.has(m[1]!), `${panel.title}: ${m[1]}`).toBe(true);
      }
    }
  });

  it('shows image queries, the escalation rate, inference latency and the review queue', () => {
    const all = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    expect(all).toContain('rate(edge_image_queries_total[5m])');
    expect(all).toMatch(
      /rate\(edge_escalations_total\[5m\]\)\) \/ sum by \(detector_id\) \(rate\(edge_image_queries_total/,
    );
    expect(all).toContain('inference_request_duration_seconds_bucket');
    expect(all).toContain('cloud_graph_image_queries_total{outcome="escalated"}');
    expect(all).toContain('cloud_graph_labels_total');
  });
});

describe('the Prometheus scrape configs', () => {
  for (const [config, composeFile, services] of [
    ['edge.yml', 'compose.edge.yml', ['edge-gateway', 'inference']],
    ['cloud.yml', 'compose.cloud.yml', ['cloud-graph', 'worker']],
  ] as const) {
    it(`${config} scrapes /metrics of ${services.join(' and ')} in ${composeFile}`, () => {
      const prom = parse(read(`monitoring/prometheus/${config}`)) as {
        scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
      };
      const compose = parse(read(`docker/${composeFile}`), { merge: true }) as {
        services: Record<string, unknown>;
      };
      const scraped = prom.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets));
      expect(scraped.map((t) => t.split(':')[0])).toEqual([...services]);
      for (const target of scraped) expect(Object.keys(compose.services)).toContain(target.split(':')[0]);
      for (const job of prom.scrape_configs) expect(job.metrics_path).toBe('/metrics');
    });
  }

  it("the edge job sends METRICS_TOKEN as a bearer, the value the gateway's /metrics checks", () => {
    const prom = parse(read('monitoring/prometheus/edge.yml')) as {
      scrape_configs: { job_name: string; authorization?: { credentials_file?: string } }[];
    };
    const file = prom.scrape_configs.find((j) => j.job_name === 'edge-gateway')?.authorization
      ?.credentials_file;
    expect(file).toBe('/tmp/metrics-token');
    const compose = parse(read('docker/compose.edge.yml'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string>; entrypoint?: string[] }>;
    };
    expect(compose.services['edge-gateway']!.environment!.METRICS_TOKEN).toBe('${METRICS_TOKEN:-}');
    expect(compose.services.prometheus!.environment!.METRICS_TOKEN).toBe('${METRICS_TOKEN:-}');
    expect(compose.services.prometheus!.entrypoint!.join(' ')).toContain(`"$$METRICS_TOKEN" > ${file}`);
  });

  it('the ports scraped are the ones the services listen on', () => {
    const edge = read('docker/compose.edge.yml');
    expect(edge).toContain("PORT: '8718'");
    expect(edge).toContain("INFERENCE_PORT: '8001'");
    expect(read('monitoring/prometheus/edge.yml')).toMatch(/'edge-gateway:8718'[\s\S]*'inference:8001'/);
    expect(read('docker/compose.cloud.yml').match(/PORT: '8000'/g)).toHaveLength(2);
  });
});

describe('Grafana provisioning', () => {
  it('loads dashboards from where compose mounts them and reads the compose Prometheus', () => {
    const provider = parse(read('monitoring/grafana/provisioning/dashboards/intellioptics.yml')) as {
      providers: { options: { path: string } }[];
    };
    const path = provider.providers[0]!.options.path;
    for (const f of ['compose.edge.yml', 'compose.cloud.yml']) {
      expect(read(`docker/${f}`)).toContain(`../monitoring/grafana/dashboards:${path}:ro`);
    }
    const ds = parse(read('monitoring/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { url: string }[];
    };
    expect(ds.datasources[0]!.url).toBe('http://prometheus:9090');
  });
});
