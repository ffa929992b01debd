import { newId } from '@intellioptics/schema';
import type { Orm } from '../db/orm';
import { ApiToken, User } from '../modules/users/user.entity';
import { Hub } from '../modules/hubs/hub.entity';
import type { Principal } from './principal';
import { hashToken, tokenSnippet } from './token';

/**
 * Resolves `x-api-token` values to principals (a user token only while it is unexpired, unrevoked and its user
 * enabled) and creates the bootstrap admin, whose token does not expire.
 */
export class AuthService {
  constructor(private readonly orm: Orm) {}

  async authenticate(token: string | null | undefined): Promise<Principal | null> {
    if (!token || token.length > 512) return null;
    const hash = hashToken(token);
    const em = this.orm.em.fork();
    const apiToken = await em.findOne(ApiToken, { tokenHash: hash }, { populate: ['user'] });
    if (apiToken) {
      const user = apiToken.user.getEntity();
      const now = new Date();
      if (apiToken.revokedAt || user.disabledAt || (apiToken.expiresAt && apiToken.expiresAt <= now))
        return null;
      if (!apiToken.lastUsedAt || now.getTime() - apiToken.lastUsedAt.getTime() > 60_000) {
        await em.nativeUpdate(ApiToken, { id: apiToken.id }, { lastUsedAt: now });
      }
      return { kind: 'user', id: user.id, username: user.username, email: user.email, role: user.role };
    }
    const hub = await em.findOne(Hub, { tokenHash: hash }, { fields: ['id', 'name', 'assignedDetectorIds'] });
    if (hub) {
      const assigned = hub.assignedDetectorIds ?? null;
      return { kind: 'hub', id: hub.id, name: hub.name, detectors: assigned ? new Set(assigned) : 'all' };
    }
    return null;
  }

  /** When no user exists yet, create an admin whose API token is exactly `token`. Returns whether it did. */
  async bootstrap(token: string): Promise<boolean> {
    return this.orm.em.fork().transactional(async (em) => {
      if ((await em.count(User, {})) > 0) return false;
      const user = em.create(User, {
        id: newId('user'),
        username: 'admin',
        email: 'admin@localhost',
        role: 'ADMIN',
      });
      em.create(ApiToken, {
        id: newId('apiToken'),
        user,
        name: 'bootstrap',
        tokenHash: hashToken(token),
        snippet: tokenSnippet(token),
      });
      return true;
    });
  }
}
