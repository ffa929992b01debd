/** People and their API tokens (a token is returned once, at creation; only its hash is stored). */
import { IntelliOpticsError, newId } from '@intellioptics/schema';
import { flushOrConflict } from '../../db/flush-or-conflict';
import type { Orm } from '../../db/orm';
import { generateToken, hashToken, tokenSnippet } from '../../auth/token';
import { ApiToken, User, type ApiTokenEntity, type UserEntity } from './user.entity';

export class UserService {
  constructor(private readonly orm: Orm) {}

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

  async createToken(userId: string, name: string): Promise<{ apiToken: ApiTokenEntity; token: string }> {
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
    });
    await em.flush();
    return { apiToken, token };
  }
}
