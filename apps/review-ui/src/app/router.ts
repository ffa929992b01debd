/**
 * A small hash router (`#/queue`, `#/detectors/det_1`): works behind any static server without rewrite
 * rules, and keeps the bundle free of a routing library.
 */
import { useSyncExternalStore } from 'react';
import type { Area } from '../modules/auth/roles';

export type Route =
  | { page: 'signIn' }
  | { page: 'queue'; detectorId: string | null }
  | { page: 'detectors' }
  | { page: 'detectorNew' }
  | { page: 'detector'; id: string }
  | { page: 'imageQuery'; id: string }
  | { page: 'fleet' }
  | { page: 'cameras'; id: string | null }
  | { page: 'admin'; tab: AdminTab }
  | { page: 'notFound'; path: string };

export type AdminTab = 'users' | 'hubs' | 'training';
const ADMIN_TABS: readonly AdminTab[] = ['users', 'hubs', 'training'];

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/queue';
  const [path = '/', search = ''] = raw.split('?');
  const params = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean).map(safeDecode);
  switch (parts[0]) {
    case undefined:
    case 'queue':
      return { page: 'queue', detectorId: params.get('detector') };
    case 'sign-in':
      return { page: 'signIn' };
    case 'detectors':
      if (parts[1] === 'new') return { page: 'detectorNew' };
      if (parts[1]) return { page: 'detector', id: parts[1] };
      return { page: 'detectors' };
    case 'image-queries':
      return parts[1] ? { page: 'imageQuery', id: parts[1] } : { page: 'notFound', path };
    case 'fleet':
      return { page: 'fleet' };
    case 'cameras':
      return { page: 'cameras', id: parts[1] ?? null };
    case 'admin': {
      const tab = ADMIN_TABS.find((t) => t === (parts[1] ?? 'users'));
      return tab ? { page: 'admin', tab } : { page: 'notFound', path };
    }
    default:
      return { page: 'notFound', path };
  }
}

/** A malformed escape (`%E0%A4%A`) stays as typed instead of throwing out of the render. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The main navigation, in order: each area's label and the page it opens. */
export const NAV: readonly { area: Area; label: string; route: Route }[] = [
  { area: 'queue', label: 'Review queue', route: { page: 'queue', detectorId: null } },
  { area: 'detectors', label: 'Detectors', route: { page: 'detectors' } },
  { area: 'fleet', label: 'Fleet', route: { page: 'fleet' } },
  { area: 'admin', label: 'Admin', route: { page: 'admin', tab: 'users' } },
];

/** The area a page belongs to (what the nav highlights and the role check guards); null for open pages. */
export function areaOf(route: Route): Area | null {
  switch (route.page) {
    // One image query with its explanation belongs to the queue: reviewers open it from the neighbour strip.
    case 'queue':
    case 'imageQuery':
      return 'queue';
    case 'detectors':
    case 'detectorNew':
    case 'detector':
      return 'detectors';
    case 'fleet':
    case 'cameras':
      return 'fleet';
    case 'admin':
      return 'admin';
    case 'signIn':
    case 'notFound':
      return null;
  }
}

export function hrefFor(route: Route): string {
  switch (route.page) {
    case 'signIn':
      return '#/sign-in';
    case 'queue':
      return route.detectorId ? `#/queue?detector=${encodeURIComponent(route.detectorId)}` : '#/queue';
    case 'detectors':
      return '#/detectors';
    case 'detectorNew':
      return '#/detectors/new';
    case 'detector':
      return `#/detectors/${encodeURIComponent(route.id)}`;
    case 'imageQuery':
      return `#/image-queries/${encodeURIComponent(route.id)}`;
    case 'fleet':
      return '#/fleet';
    case 'cameras':
      return route.id ? `#/cameras/${encodeURIComponent(route.id)}` : '#/cameras';
    case 'admin':
      return `#/admin/${route.tab}`;
    case 'notFound':
      return `#${route.path}`;
  }
}

export function navigate(route: Route): void {
  window.location.hash = hrefFor(route);
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
