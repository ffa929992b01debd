import { IntelliOpticsError, type Me } from '@intellioptics/schema';
import { ROLES, type Principal } from '../../auth/principal';
import type { RestRouter } from '../../http/rest';

export function toMe(p: Principal): Me {
  return p.kind === 'user'
    ? { username: p.username, email: p.email, is_superuser: false }
    : { username: p.name, email: '', is_superuser: false };
}

export function userRoutes(router: RestRouter, prefixes: readonly string[]): void {
  router.add('GET', '/me', async (req) => ({ status: 200, json: toMe(await req.auth(ROLES.any)) }), prefixes);
  // Token rotation is not offered: 404 makes SDK >= 0.31 keep using the configured token.
  router.add(
    'GET',
    '/api-tokens/by-snippet/:snippet',
    async (req) => {
      await req.auth(ROLES.any);
      throw new IntelliOpticsError(
        'NOT_FOUND',
        'Automatic API token refresh is not available on this server.',
      );
    },
    prefixes,
  );
}
