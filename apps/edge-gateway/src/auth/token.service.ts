/**
 * `x-api-token` checks against the tokens the edge knows. A token is known once the cloud said it is valid
 * (`GET /device-api/v1/me`); known tokens are kept (hashed) in the state store, so they keep working offline and
 * across restarts. The hot path is one Map lookup; re-validation runs in the background.
 *
 * | token                                | cloud reachable                  | cloud unreachable                    |
 * |--------------------------------------|----------------------------------|--------------------------------------|
 * | missing / blank                      | 401                              | 401                                  |
 * | the edge's own EDGE_API_TOKEN        | accepted                         | accepted                             |
 * | known valid                          | accepted (re-checked every N s)  | accepted                             |
 * | known invalid (cloud said 401)       | 401 (re-checked after 60 s)      | 401                                  |
 * | never seen                           | checked now: valid → accepted    | AUTH_OFFLINE_UNKNOWN_TOKENS: accept  |
 * |                                      | (remembered), invalid → 401      | (default) or reject                  |
 *
 * Roles (`requireRole`, e.g. admin for `PUT /edge-config`) are the cloud's (`me { role }`), asked with the
 * caller's token and remembered for TOKEN_REVALIDATE_S; they are never granted offline (503 instead).
 */
import { createHash } from 'node:crypto';
import { IntelliOpticsError, type Role } from '@intellioptics/schema';
import type { CloudClient } from '../cloud-client/cloud.client';
import type { Caller } from '../auth/caller';
import type { Logger } from '../logger';
import type { TokenCacheRepository } from '../store/token-cache.repository';

interface TokenEntry {
  valid: boolean;
  checkedAt: number;
}

const INVALID_RECHECK_MS = 60_000;
/** Role answers kept in memory (a bound: they are cheap to ask again). */
const MAX_REMEMBERED_ROLES = 1000;
const OFFLINE_RECHECK_MS = 30_000;

export class TokenService {
  private readonly byRaw = new Map<string, TokenEntry>();
  private readonly byHash = new Map<string, TokenEntry>();
  private readonly checking = new Map<string, Promise<TokenEntry | null>>();
  /** Tokens accepted while the cloud was unreachable, with the time of the last attempt to verify them. */
  private readonly provisional = new Map<string, number>();
  private readonly roles = new Map<string, { role: Role; checkedAt: number }>();

  constructor(
    private readonly deps: {
      cloud: Pick<CloudClient, 'checkToken' | 'roleOf'>;
      store: Pick<TokenCacheRepository, 'save' | 'loadAll'>;
      log: Logger;
      edgeToken: string | null;
      revalidateMs: number;
      offlineUnknown: 'accept' | 'reject';
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async init(): Promise<void> {
    for (const t of await this.deps.store.loadAll()) {
      this.byHash.set(t.hash, { valid: t.valid, checkedAt: t.checkedAt });
    }
  }

  /** Resolves when the token may be used; throws UNAUTHENTICATED (401) otherwise. */
  async authorize(token: string | undefined): Promise<void> {
    if (token === undefined || token.trim() === '') {
      throw new IntelliOpticsError('UNAUTHENTICATED', 'Send your API token in the x-api-token header.');
    }
    if (token === this.deps.edgeToken) return;
    const entry = this.lookup(token);
    const now = this.now();
    if (entry) {
      if (entry.valid) {
        if (now - entry.checkedAt > this.deps.revalidateMs) void this.check(token);
        return;
      }
      if (now - entry.checkedAt < INVALID_RECHECK_MS) throw invalid();
    } else {
      const lastTry = this.provisional.get(token);
      if (lastTry !== undefined && now - lastTry < OFFLINE_RECHECK_MS) return;
    }
    const checked = await this.check(token);
    if (checked === null) {
      // The cloud could not be asked.
      if (entry) {
        if (entry.valid) return;
        throw invalid();
      }
      if (this.deps.offlineUnknown === 'accept') {
        this.provisional.set(token, now);
        return;
      }
      throw new IntelliOpticsError(
        'UNAUTHENTICATED',
        'This token is not known to the edge and the cloud cannot be reached to check it.',
      );
    }
    if (!checked.valid) throw invalid();
  }

  /** `authorize`, then the caller the services act for. */
  async caller(token: string | undefined): Promise<Caller> {
    await this.authorize(token);
    return { token: token! };
  }

  /** 403 unless the cloud says the caller has one of `roles` (re-asked after TOKEN_REVALIDATE_S). */
  async requireRole(caller: Caller, roles: readonly Role[]): Promise<void> {
    const key = hash(caller.token);
    const now = this.now();
    let known = this.roles.get(key);
    if (!known || now - known.checkedAt > this.deps.revalidateMs) {
      const r = await this.deps.cloud.roleOf(caller.token);
      if (r.kind === 'unreachable') {
        throw new IntelliOpticsError(
          'CLOUD_UNREACHABLE',
          'The cloud cannot be reached to check what this token may do; retry later.',
        );
      }
      if (r.kind !== 'ok') throw invalid();
      known = { role: r.value, checkedAt: now };
      if (this.roles.size >= MAX_REMEMBERED_ROLES) this.roles.clear();
      this.roles.set(key, known);
    }
    if (!roles.includes(known.role)) {
      throw new IntelliOpticsError('FORBIDDEN', `This needs the ${roles.join(' or ')} role.`);
    }
  }

  private lookup(token: string): TokenEntry | undefined {
    const raw = this.byRaw.get(token);
    if (raw) return raw;
    const hashed = this.byHash.get(hash(token));
    if (hashed) this.byRaw.set(token, hashed);
    return hashed;
  }

  /** Ask the cloud (single-flight per token); null when it cannot be reached. */
  private check(token: string): Promise<TokenEntry | null> {
    const inflight = this.checking.get(token);
    if (inflight) return inflight;
    const p = (async () => {
      const verdict = await this.deps.cloud.checkToken(token);
      if (verdict === 'unreachable') return null;
      const entry: TokenEntry = { valid: verdict === 'valid', checkedAt: this.now() };
      const h = hash(token);
      this.byRaw.set(token, entry);
      this.byHash.set(h, entry);
      this.provisional.delete(token);
      try {
        await this.deps.store.save({ hash: h, valid: entry.valid, checkedAt: entry.checkedAt });
      } catch (e) {
        this.deps.log.warn({ err: e }, 'could not persist a token check');
      }
      return entry;
    })().finally(() => this.checking.delete(token));
    this.checking.set(token, p);
    return p;
  }
}

function invalid(): IntelliOpticsError {
  return new IntelliOpticsError('UNAUTHENTICATED', 'The API token in x-api-token is not valid.');
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
