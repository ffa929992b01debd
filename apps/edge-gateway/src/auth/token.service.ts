/**
 * `x-api-token` checks against the tokens the edge knows. A token is known once the cloud said it is valid
 * (`GET /device-api/v1/me`); known tokens are kept (sha256 only) in memory and in the state store, both
 * bounded (LRU, TOKEN_CACHE_MAX), so they keep working through a short outage and across restarts.
 *
 * - the edge's own EDGE_API_TOKEN is always accepted; a missing token is a 401;
 * - a token the cloud verified less than TOKEN_REVALIDATE_S ago is accepted without asking (one Map lookup);
 *   older (but within the offline bound), it is accepted and re-verified in the background (one call per
 *   token at a time), so a revoked token stops working within TOKEN_REVALIDATE_S (≤ 60 s) plus one cloud
 *   round trip while the cloud is reachable, and a hung cloud never holds up a known token's requests;
 * - when the cloud cannot answer, `decideToken` (token-decision.ts) rules: a token verified within
 *   AUTH_OFFLINE_TRUST_S is trusted, an unknown one is refused (401 offline, 503 + Retry-After when the cloud
 *   answered 5xx/429). A failed attempt is reused for FAILED_ASK_REUSE_MS so an outage costs each request
 *   one lookup, not one cloud timeout.
 *
 * Roles (`requireRole`, e.g. admin for `PUT /edge-config`) are the cloud's (`me { role }`), asked with the
 * caller's token and remembered for TOKEN_REVALIDATE_S; they are never granted offline (503 instead).
 */
import { createHash } from 'node:crypto';
import { IntelliOpticsError, type Role } from '@intellioptics/schema';
import type { CloudClient, TokenVerdict } from '../cloud-client/cloud.client';
import type { Caller } from '../auth/caller';
import type { Logger } from '../logger';
import type { TokenCacheRepository } from '../store/token-cache.repository';
import { LruMap } from './lru-map';
import { decideToken, type RememberedToken } from './token-decision';

/** A token the cloud called invalid is asked about again after this long (it may have been issued since). */
const INVALID_RECHECK_MS = 60_000;
/** How long a failed attempt to ask the cloud stands for every request with that token. */
const FAILED_ASK_REUSE_MS = 5_000;
/** Retry-After of a 503 when the cloud answered 5xx/429 for a token the edge cannot vouch for. */
const UNAVAILABLE_RETRY_AFTER_S = 5;

export interface TokenServiceDeps {
  cloud: Pick<CloudClient, 'checkToken' | 'roleOf'>;
  store: Pick<TokenCacheRepository, 'save' | 'loadAll'>;
  log: Logger;
  edgeToken: string | null;
  revalidateMs: number;
  /** How long after its last successful verification a token is trusted when the cloud cannot answer. */
  offlineTrustMs: number;
  offlineUnknown: 'accept' | 'reject';
  /** Bound of the in-memory token and role caches. */
  maxCached: number;
  now?: () => number;
}

export class TokenService {
  private readonly known: LruMap<string, RememberedToken>;
  private readonly failedAsks: LruMap<string, { at: number; verdict: TokenVerdict }>;
  private readonly checking = new Map<string, Promise<TokenVerdict>>();
  private readonly roles: LruMap<string, { role: Role; checkedAt: number }>;

  constructor(private readonly deps: TokenServiceDeps) {
    this.known = new LruMap(deps.maxCached);
    this.failedAsks = new LruMap(deps.maxCached);
    this.roles = new LruMap(deps.maxCached);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async init(): Promise<void> {
    // Oldest first, so the most recently verified end up the most recently used.
    const rows = (await this.deps.store.loadAll()).sort((a, b) => a.checkedAt - b.checkedAt);
    for (const t of rows) this.known.set(t.hash, { valid: t.valid, checkedAt: t.checkedAt });
  }

  /** Resolves when the token may be used; throws UNAUTHENTICATED (401) or CLOUD_UNREACHABLE (503). */
  async authorize(token: string | undefined): Promise<void> {
    if (token === undefined || token.trim() === '') {
      throw new IntelliOpticsError('UNAUTHENTICATED', 'Send your API token in the x-api-token header.');
    }
    if (token === this.deps.edgeToken) return;
    const key = hash(token);
    const remembered = this.known.get(key) ?? null;
    const now = this.now();
    if (remembered) {
      const age = now - remembered.checkedAt;
      if (remembered.valid && age < this.deps.revalidateMs) return;
      if (remembered.valid && age <= this.deps.offlineTrustMs) {
        void this.ask(token, key).catch((e: unknown) =>
          this.deps.log.warn({ err: e }, 'token re-check failed'),
        );
        return;
      }
      if (!remembered.valid && age < INVALID_RECHECK_MS) throw invalid();
    }
    const verdict = await this.ask(token, key);
    const d = decideToken({
      remembered: this.known.get(key) ?? remembered,
      cloud: verdict,
      nowMs: this.now(),
      offlineTrustMs: this.deps.offlineTrustMs,
      offlineUnknown: this.deps.offlineUnknown,
    });
    switch (d.kind) {
      case 'accept':
        return;
      case 'unavailable':
        throw new IntelliOpticsError(
          'CLOUD_UNREACHABLE',
          'The cloud could not check this token just now and the edge cannot vouch for it; retry later.',
          { details: { retryAfterS: UNAVAILABLE_RETRY_AFTER_S } },
        );
      case 'reject':
        if (d.reason === 'invalid') throw invalid();
        throw new IntelliOpticsError(
          'UNAUTHENTICATED',
          d.reason === 'expired_offline'
            ? 'The cloud cannot be reached, and this token was last verified too long ago to be trusted offline.'
            : 'This token is not known to the edge and the cloud cannot be reached to check it.',
        );
    }
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
          { details: { retryAfterS: UNAVAILABLE_RETRY_AFTER_S } },
        );
      }
      if (r.kind !== 'ok') throw invalid();
      known = { role: r.value, checkedAt: now };
      this.roles.set(key, known);
    }
    if (!roles.includes(known.role)) {
      throw new IntelliOpticsError('FORBIDDEN', `This needs the ${roles.join(' or ')} role.`);
    }
  }

  /** The cloud's verdict (single-flight per token); a recent failure is reused instead of asking again. */
  private ask(token: string, key: string): Promise<TokenVerdict> {
    const failed = this.failedAsks.get(key);
    if (failed && this.now() - failed.at < FAILED_ASK_REUSE_MS) return Promise.resolve(failed.verdict);
    const inflight = this.checking.get(key);
    if (inflight) return inflight;
    const p = (async () => {
      const verdict = await this.deps.cloud.checkToken(token);
      const now = this.now();
      if (verdict !== 'valid' && verdict !== 'invalid') {
        this.failedAsks.set(key, { at: now, verdict });
        return verdict;
      }
      this.failedAsks.delete(key);
      const entry: RememberedToken = { valid: verdict === 'valid', checkedAt: now };
      this.known.set(key, entry);
      try {
        await this.deps.store.save({ hash: key, valid: entry.valid, checkedAt: entry.checkedAt });
      } catch (e) {
        this.deps.log.warn({ err: e }, 'could not persist a token check');
      }
      return verdict;
    })().finally(() => this.checking.delete(key));
    this.checking.set(key, p);
    return p;
  }
}

function invalid(): IntelliOpticsError {
  return new IntelliOpticsError('UNAUTHENTICATED', 'The API token in x-api-token is not valid.');
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
