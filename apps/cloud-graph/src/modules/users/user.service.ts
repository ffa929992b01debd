/** People and their API tokens (a token is returned once, at creation; only its hash is stored). */
import { IntelliOpticsError, newId } from '@intellioptics/schema';
import { flushOrConflict } from '../../db/flush-or-conflict';
import type { Orm } from '../../db/orm';
import { generateToken, hashToken, tokenSnippet } from '../../auth/token';
import { ApiToken, User, type ApiTokenEntity, type UserEntity } from './user.entity';

export class UserService {
  constructor(
    private readonly orm: Orm,
    private readonly opts: { tokenTtlDays: number; now?: () => Date } = { tokenTtlDays: 0 },
  ) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  async create(input: { username: string; email: string; role: 'ADMIN' | 'REVIEWER' }): Promise<UserEntity> {
    if (!/^[\w.@+-]{1,200}$/.test(input.username)) {
      throw new IntelliOpticsError('BAD_REQUEST', 'username: 1-200 letters, digits or . @ + - _');
    }
    const em = this.orm.em.fork();
    const user = em.create(User, { id: newId('user'), ...input });
    await flushOrConflict(em, () => `A user named ${JSON.stringify(input.username)} exists.`);
    return user;
  }

  async get(id: string): Promise<UserEntity | null> {
    return this.orm.em.fork().findOne(User, { id });
  }

  async list(): Promise<UserEntity[]> {
    return this.orm.em.fork().find(User, {}, { orderBy: { username: 'asc' } });
  }

  /** A new token for the user; it expires after `ttlDays` (default API_TOKEN_TTL_DAYS; 0 = never). */
  async createToken(
    userId: string,
    name: string,
    opts: { ttlDays?: number | null } = {},
  ): Promise<{ apiToken: ApiTokenEntity; token: string }> {
    const ttlDays = opts.ttlDays ?? this.opts.tokenTtlDays;
    if (!Number.isInteger(ttlDays) || ttlDays < 0 || ttlDays > 3650) {
      throw new IntelliOpticsError(
        'INVALID_PARAMETER',
        'expiresInDays: a whole number of days from 0 to 3650',
      );
    }
    const em = this.orm.em.fork();
    const user = await em.findOne(User, { id: userId });
    if (!user) throw new IntelliOpticsError('NOT_FOUND', `No user has the id ${userId}.`);
    const token = generateToken('io_');
    const apiToken = em.create(ApiToken, {
      id: newId('apiToken'),
      user,
      name: name.slice(0, 200),
      tokenHash: hashToken(token),
      snippet: tokenSnippet(token),
      expiresAt: ttlDays === 0 ? null : new Date(this.now().getTime() + ttlDays * 86_400_000),
    });
    await em.flush();
    return { apiToken, token };
  }

  async tokens(userId: string): Promise<ApiTokenEntity[]> {
    return this.orm.em
      .fork()
      .find(ApiToken, { user: userId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  async token(id: string): Promise<ApiTokenEntity | null> {
    return this.orm.em.fork().findOne(ApiToken, { id });
  }

  /** Revokes a token at once (idempotent); open sessions using it close at their next re-check. */
  async revokeToken(id: string): Promise<ApiTokenEntity> {
    const em = this.orm.em.fork();
    const apiToken = await em.findOne(ApiToken, { id });
    if (!apiToken) throw new IntelliOpticsError('NOT_FOUND', `No API token has the id ${id}.`);
    apiToken.revokedAt ??= this.now();
    await em.flush();
    return apiToken;
  }

  /** Disables (or enables again) a user: while disabled, none of its tokens work. */
  async setDisabled(id: string, disabled: boolean): Promise<UserEntity> {
    const em = this.orm.em.fork();
    const user = await em.findOne(User, { id });
    if (!user) throw new IntelliOpticsError('NOT_FOUND', `No user has the id ${id}.`);
    user.disabledAt = disabled ? (user.disabledAt ?? this.now()) : null;
    await em.flush();
    return user;
  }
}
