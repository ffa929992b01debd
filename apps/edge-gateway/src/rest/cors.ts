/**
 * Cross-origin access to the edge's GraphQL: none unless the origin is in GRAPHQL_CORS_ORIGINS. A request
 * from a browser page of another origin is refused outright (403), so a page can never make the edge act
 * with a token it obtained some other way; same-origin pages and non-browser clients (no Origin) pass.
 */
import type { IncomingMessage } from 'node:http';
import { IntelliOpticsError } from '@intellioptics/schema';

export class CorsPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.allowed = new Set(origins.map((o) => o.replace(/\/+$/, '').toLowerCase()));
  }

  /** Throws FORBIDDEN for a foreign origin; returns the headers to add to the answer. */
  check(req: IncomingMessage): Record<string, string> {
    const origin = header(req, 'origin');
    if (origin === undefined) return {};
    const normalised = origin.toLowerCase();
    if (this.allowed.has(normalised)) {
      return {
        'access-control-allow-origin': origin,
        'access-control-allow-credentials': 'true',
        vary: 'origin',
      };
    }
    if (sameOrigin(normalised, header(req, 'host'))) return {};
    throw new IntelliOpticsError('FORBIDDEN', `Requests from the origin ${origin} are not allowed here.`);
  }

  /** The answer to a CORS preflight (OPTIONS): allowed origins only. */
  preflight(req: IncomingMessage): Record<string, string> {
    const headers = this.check(req);
    if (!headers['access-control-allow-origin']) {
      throw new IntelliOpticsError('FORBIDDEN', 'Cross-origin requests are not allowed here.');
    }
    return {
      ...headers,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'content-type, x-api-token, accept',
      'access-control-max-age': '600',
    };
  }
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
