import { IntelliOpticsError, type Role } from '@intellioptics/schema';

/**
 * Who is calling: a user (ADMIN or REVIEWER) or an edge hub acting as itself. A hub sees the detectors an
 * admin assigned to it (`setHubDetectors`), or every detector while it has no assignment (hubs registered
 * before assignments existed).
 */
export type Principal =
  | { kind: 'user'; id: string; username: string; email: string; role: 'ADMIN' | 'REVIEWER' }
  | { kind: 'hub'; id: string; name: string; detectors: 'all' | ReadonlySet<string> };

/** May this caller see (and, with the right role, use) the detector? People see every detector. */
export function canSeeDetector(p: Principal, detectorId: string): boolean {
  return p.kind === 'user' || p.detectors === 'all' || p.detectors.has(detectorId);
}

/** The detectors this caller is limited to; null when it sees every detector. */
export function visibleDetectorIds(p: Principal): string[] | null {
  return p.kind === 'user' || p.detectors === 'all' ? null : [...p.detectors];
}

/** DETECTOR_NOT_FOUND (as for a detector that does not exist) when the caller may not see it. */
export function assertCanSeeDetector(p: Principal, detectorId: string): void {
  if (!canSeeDetector(p, detectorId)) {
    throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${detectorId}.`);
  }
}

export function roleOf(p: Principal): Role {
  return p.kind === 'hub' ? 'HUB' : p.role;
}

/**
 * The principal if it has one of `roles`; UNAUTHENTICATED (401) when there is none, FORBIDDEN (403) when
 * its role is not allowed.
 */
export function requireRole(p: Principal | null, roles: readonly Role[]): Principal {
  if (!p) throw new IntelliOpticsError('UNAUTHENTICATED');
  if (!roles.includes(roleOf(p))) {
    throw new IntelliOpticsError('FORBIDDEN', `A ${roleOf(p)} token cannot do this.`);
  }
  return p;
}

/** Role sets used by routes and resolvers, named by intent. */
export const ROLES = {
  any: ['ADMIN', 'REVIEWER', 'HUB'],
  people: ['ADMIN', 'REVIEWER'],
  admin: ['ADMIN'],
  submitters: ['ADMIN', 'HUB'],
  hub: ['HUB'],
} as const satisfies Record<string, readonly Role[]>;
