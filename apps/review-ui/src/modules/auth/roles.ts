/** What each role may open. A REVIEWER works the queue; an ADMIN sees everything. */
export type Role = 'ADMIN' | 'REVIEWER';
export type Area = 'queue' | 'detectors' | 'fleet' | 'admin';

export function canOpen(role: Role, area: Area): boolean {
  if (role === 'ADMIN') return true;
  return area === 'queue';
}

/** The role of a `me.role` value, or null for callers that cannot use this UI (hubs, unknown). */
export function asUiRole(role: string): Role | null {
  return role === 'ADMIN' || role === 'REVIEWER' ? role : null;
}
