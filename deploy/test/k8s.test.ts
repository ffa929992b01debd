/**
 * deploy/k8s rendered for real (`kubectl kustomize`, Debian's kubernetes-client or any kubectl on PATH; KUBECTL
 * overrides) and every object validated against the Kubernetes OpenAPI schema (kubernetes-models), then checked
 * against the rest of the repo: the images are targets of docker/Dockerfile, the environment is what
 * cloud-graph reads, probes hit its health routes, Services, PodDisruptionBudgets and the Ingress find their pods.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IService } from 'kubernetes-models/v1';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ROOT, appVariables, dockerfileTargets } from '../../tools/check-compose';

const K8S = join(import.meta.dirname, '../k8s');
const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const OVERLAYS = readdirSync(join(K8S, 'overlays')).sort();

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

function render(dir: string): K8sObject[] {
  const r = spawnSync(KUBECTL, ['kustomize', dir], { encoding: 'utf8' });
  if (r.error) throw new Error(`${KUBECTL} not found: apt-get install -y kubernetes-client (or set KUBECTL)`);
  expect(r.status, r.stderr).toBe(0);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject);
}

const byKind = <T>(objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind) as T[];
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  const objects = render(join(K8S, 'overlays', overlay));
  const deployments = byKind<IDeployment>(objects, 'Deployment');
  const deployment = (name: string) => deployments.find((d) => d.metadata?.name === name)!;

  it('renders the whole cloud into one namespace, every object valid against the Kubernetes schema', () => {
    expect(deployments.map((d) => d.metadata?.name).sort()).toEqual([
      'cloud-graph',
      'redis',
      'review-ui',
      'worker',
    ]);
    const namespaces = new Set(
      objects.filter((o) => o.kind !== 'Namespace').map((o) => o.metadata.namespace),
    );
    expect(namespaces.size).toBe(1);
    expect([...namespaces][0]).toMatch(/^intellioptics/);
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `${o.apiVersion} ${o.kind} has no schema here`).toBeDefined();
      expect(() => new Model!(o as never).validate(), `${o.kind} ${o.metadata.name}`).not.toThrow();
    }
  });

  it('runs our images (targets of docker/Dockerfile) and pinned third-party ones, never latest', () => {
    const targets = dockerfileTargets(readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8'));
    for (const d of deployments) {
      for (const c of d.spec!.template.spec!.containers) {
        const image = c.image!;
        const tag = /:([^/:]+)$/.exec(image)?.[1];
        expect(tag, image).toBeDefined();
        expect(tag, image).not.toBe('latest');
        const name = image
          .replace(/:[^/:]+$/, '')
          .split('/')
          .at(-1)!;
        if (image.includes('intellioptics/')) expect(targets, image).toContain(name);
      }
    }
  });

  it('cloud-graph: more than one replica behind Redis, training left to the worker, env it reads, secrets external', () => {
    const api = deployment('cloud-graph');
    const worker = deployment('worker');
    const config = byKind<{ metadata: { name: string }; data: Record<string, string> }>(
      objects,
      'ConfigMap',
    )[0]!;
    expect(config.data.REDIS_URL).toBe('redis://redis:6379');
    expect(config.data.BLOB_BACKEND).toBe('azure');
    const reads = appVariables('cloud-graph')!;
    for (const d of [api, worker]) {
      const c = d.spec!.template.spec!.containers[0]!;
      expect(c.envFrom?.[0]?.configMapRef?.name).toBe(config.metadata.name);
      const names = [...(c.env ?? []).map((e) => e.name), ...Object.keys(config.data)];
      for (const n of names) expect(reads.has(n), `cloud-graph does not read ${n}`).toBe(true);
      const secrets = (c.env ?? [])
        .filter((e) => e.valueFrom?.secretKeyRef)
        .map((e) => e.valueFrom!.secretKeyRef!.name);
      expect(new Set(secrets)).toEqual(new Set(['intellioptics-cloud']));
      expect(c.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.key).toBe(
        'DATABASE_URL',
      );
    }
    expect(
      api.spec!.template.spec!.containers[0]!.env?.find((e) => e.name === 'LEARNING_IN_PROCESS')?.value,
    ).toBe('0');
    expect(worker.spec!.template.spec!.containers[0]!.command).toEqual([
      'node',
      '--import',
      'tsx',
      'src/worker.main.ts',
    ]);
    if (overlay === 'production') expect(api.spec!.replicas).toBeGreaterThan(1);
  });

  it('every container: probes on its health routes, resources, non-root', () => {
    const cloudRoutes = readFileSync(join(ROOT, 'apps/cloud-graph/src/ops/health.route.ts'), 'utf8');
    const uiRoutes = readFileSync(join(ROOT, 'nginx/cloud.conf.template'), 'utf8');
    for (const d of deployments) {
      const pod = d.spec!.template.spec!;
      expect(pod.securityContext?.runAsNonRoot, d.metadata?.name).toBe(true);
      for (const c of pod.containers) {
        expect(c.readinessProbe, c.name).toBeDefined();
        expect(c.livenessProbe, c.name).toBeDefined();
        expect(c.resources?.requests?.cpu && c.resources.requests.memory, c.name).toBeTruthy();
        expect(c.resources?.limits?.memory, c.name).toBeTruthy();
        expect(c.securityContext?.allowPrivilegeEscalation, c.name).toBe(false);
        const ports = new Set((c.ports ?? []).flatMap((p) => [p.name, p.containerPort]));
        for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
          const get = probe?.httpGet;
          if (!get) continue;
          expect(ports.has(get.port), `${c.name} probe port ${get.port}`).toBe(true);
          if (c.name === 'review-ui') expect(uiRoutes).toContain(`location = ${get.path}`);
          else expect(cloudRoutes, `${c.name} probes ${get.path}`).toContain(`'${get.path}'`);
        }
      }
    }
  });

  it('Services, PodDisruptionBudgets and the Ingress reach existing pods and ports', () => {
    const services = byKind<IService>(objects, 'Service');
    for (const s of services) {
      const target = deployments.find((d) => matches(s.spec!.selector!, d.spec!.template.metadata!.labels));
      expect(target, `Service ${s.metadata?.name} selects no Deployment`).toBeDefined();
      const named = new Set(
        target!.spec!.template.spec!.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)),
      );
      for (const p of s.spec!.ports!)
        expect(named.has(p.targetPort as string), `${s.metadata?.name} ${p.targetPort}`).toBe(true);
    }
    const pdbs = byKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
    expect(pdbs.map((p) => p.metadata?.name).sort()).toEqual(['cloud-graph', 'review-ui', 'worker']);
    for (const pdb of pdbs) {
      const target = deployments.find((d) =>
        matches(pdb.spec!.selector!.matchLabels!, d.spec!.template.metadata!.labels),
      )!;
      expect(target, pdb.metadata?.name).toBeDefined();
      // A budget that needs every replica up blocks each node drain.
      if (pdb.spec!.minAvailable !== undefined) {
        expect(Number(pdb.spec!.minAvailable), pdb.metadata?.name).toBeLessThan(target.spec!.replicas ?? 1);
      }
    }
    const [ingress] = byKind<IIngress>(objects, 'Ingress');
    for (const rule of ingress!.spec!.rules!) {
      for (const path of rule.http!.paths) {
        const svc = services.find((s) => s.metadata?.name === path.backend.service!.name);
        expect(svc, path.backend.service!.name).toBeDefined();
        expect(svc!.spec!.ports!.map((p) => p.name)).toContain(path.backend.service!.port!.name);
      }
    }
  });
});

it('the overlays are production and small', () => {
  expect(OVERLAYS).toEqual(['production', 'small']);
});
