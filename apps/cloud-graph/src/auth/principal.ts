import { IntelliOpticsError, type Role } from '@intellioptics/schema';

/** Who is calling: a user (ADMIN or REVIEWER) or an edge hub acting as itself. */
export type Principal =
  | { kind: 'user'; id: string; username: string; email: string; role: 'ADMIN' | 'REVIEWER' }
  | { kind: 'hub'; id: string; name: string };

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
