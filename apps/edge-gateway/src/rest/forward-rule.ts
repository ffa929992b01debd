/**
 * Which edge answers go to the cloud instead (the rule nginx applied alone before; docs/REST-COMPAT.md
 * "Edge-only answers and the cloud fallback"): a 404, 405 or 422 of the edge is replayed to the cloud with the
 * same method, path, query and body, unless the answer is edge-only (a detector the cloud must never see) or
 * the path is edge-local (it describes this edge: config, readiness, health, metrics, status, GraphQL).
 */
const REPLAYED_STATUSES: ReadonlySet<number> = new Set([404, 405, 422]);

const EDGE_LOCAL_EXACT: ReadonlySet<string> = new Set([
  '/edge-config',
  '/edge-detector-readiness',
  '/health',
  '/ping',
  '/metrics',
  '/graphql',
  '/nginx-health',
]);
const EDGE_LOCAL_PREFIXES = ['/health/', '/status/', '/graphql/'];

/** True for paths whose answers describe this edge (trailing slashes ignored). */
export function isEdgeLocalPath(path: string): boolean {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return EDGE_LOCAL_EXACT.has(p) || EDGE_LOCAL_PREFIXES.some((prefix) => p.startsWith(prefix));
}

export interface ForwardQuestion {
  /** The status the edge would answer. */
  status: number;
  /** The answer carries the edge-only mark. */
  edgeOnly: boolean;
  path: string;
}

export function shouldForwardToCloud(q: ForwardQuestion): boolean {
  return REPLAYED_STATUSES.has(q.status) && !q.edgeOnly && !isEdgeLocalPath(q.path);
}
