/**
 * A small hash router (`#/queue`, `#/detectors/det_1`): works behind any static server without rewrite
 * rules, and keeps the bundle free of a routing library.
 */
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'signIn' }
  | { page: 'queue'; detectorId: string | null }
  | { page: 'detectors' }
  | { page: 'detectorNew' }
  | { page: 'detector'; id: string }
  | { page: 'fleet' }
  | { page: 'notFound'; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/queue';
  const [path = '/', search = ''] = raw.split('?');
  const params = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
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
    case 'fleet':
      return { page: 'fleet' };
    default:
      return { page: 'notFound', path };
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
    case 'fleet':
      return '#/fleet';
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
