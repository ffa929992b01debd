/**
 * A tiny path router: `:param` segments, an optional trailing slash, HEAD served by GET routes. The one 405
 * rule: a path that exists with other methods answers METHOD_NOT_ALLOWED with `Allow`; no path, `null` (the
 * caller's 404 or its next handler). Params are percent-decoded; a malformed encoding is the client's 400.
 */
import { IntelliOpticsError } from '@intellioptics/schema';
import { methodNotAllowed } from './send';

export interface RouteMatch<H> {
  handler: H;
  params: Record<string, string>;
  /** The route as registered, e.g. `/image-queries/:id` (a low-cardinality metrics label). */
  route: string;
}

interface Route<H> {
  method: string;
  pattern: RegExp;
  keys: string[];
  route: string;
  handler: H;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new IntelliOpticsError(
      'BAD_REQUEST',
      `The path segment ${JSON.stringify(value)} is not valid percent-encoding.`,
    );
  }
}

export class Router<H> {
  private readonly table: Route<H>[] = [];

  /** Registers `path` (`/a/:id/b`) for `method`. */
  add(method: string, path: string, handler: H): this {
    const trimmed = path.replace(/\/+$/, '');
    const keys: string[] = [];
    const source = trimmed
      .split('/')
      .map((seg) => {
        if (!seg.startsWith(':')) return escape(seg);
        keys.push(seg.slice(1));
        return '([^/]+)';
      })
      .join('/');
    this.table.push({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${source}/?$`),
      keys,
      route: path,
      handler,
    });
    return this;
  }

  /** Every registered route as `{ method, route }`, in registration order (what API docs describe). */
  routes(): { method: string; route: string }[] {
    return this.table.map((r) => ({ method: r.method, route: r.route }));
  }

  /** The route for `method` and `path` (no query string); throws METHOD_NOT_ALLOWED; null when no path matches. */
  match(method: string, path: string): RouteMatch<H> | null {
    const m = method.toUpperCase();
    const allow: string[] = [];
    for (const r of this.table) {
      const found = r.pattern.exec(path);
      if (!found) continue;
      if (r.method === m || (m === 'HEAD' && r.method === 'GET')) {
        const params: Record<string, string> = {};
        r.keys.forEach((k, i) => (params[k] = decode(found[i + 1] ?? '')));
        return { handler: r.handler, params, route: r.route };
      }
      if (!allow.includes(r.method)) allow.push(r.method);
    }
    if (allow.length > 0) {
      if (allow.includes('GET') && !allow.includes('HEAD')) allow.push('HEAD');
      throw methodNotAllowed(m, path, allow);
    }
    return null;
  }
}

/** Path and query of a request URL (`req.url` is origin-form: `/path?query`). */
export function splitUrl(url: string | undefined): { path: string; query: URLSearchParams } {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q === -1
    ? { path: u, query: new URLSearchParams() }
    : { path: u.slice(0, q), query: new URLSearchParams(u.slice(q + 1)) };
}
