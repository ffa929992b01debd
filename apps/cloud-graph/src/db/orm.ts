/**
 * One ORM code path: `@mikro-orm/postgresql` against a real PostgreSQL (DATABASE_URL) or against embedded
 * PGlite exposed on loopback by pglite-socket. Migrations are committed TypeScript classes listed in
 * `migrations/index.ts` (no globbing, so tsx, vitest and bundlers all load them the same way).
 */
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Logger } from 'pino';
import { entities } from './entities';
import { migrationsList } from './migrations';

export type Orm = MikroORM;

export function ormOptions(
  clientUrl: string,
  opts: { poolMax: number; debug: boolean; logger?: Logger },
): Options {
  return {
    clientUrl,
    entities,
    extensions: [Migrator],
    pool: { min: 0, max: opts.poolMax },
    debug: opts.debug,
    logger: (message) => opts.logger?.debug({ orm: true }, message),
    allowGlobalContext: false,
    forceUtcTimezone: true,
    discovery: { warnWhenNoEntities: true },
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
  };
}

export async function initOrm(
  clientUrl: string,
  opts: { poolMax: number; debug: boolean; logger?: Logger; migrate?: boolean },
): Promise<Orm> {
  const orm = await MikroORM.init(ormOptions(clientUrl, opts));
  if (opts.migrate !== false) {
    const applied = await orm.getMigrator().up();
    if (applied.length > 0)
      opts.logger?.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  }
  return orm;
}
