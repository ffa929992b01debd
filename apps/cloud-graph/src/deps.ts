/**
 * The outside world cloud-graph needs, built from the env: the database (PostgreSQL, or embedded PGlite),
 * the blob store, and the pub/sub (in memory, or Redis). `close()` tears them down in reverse order.
 */
import type { Env } from './config/env';
import { initOrm, type Orm } from './db/orm';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded-postgres';
import type { BlobStore } from './blob/blob-store';
import { LocalBlobStore } from './blob/local-blob.store';
import { AzureBlobStore } from './blob/azure-blob.store';
import { createAppPubSub, type PubSubHandle } from './graphql/pubsub';
import type { Logger } from './ops/logger';

export interface Deps {
  orm: Orm;
  blobs: BlobStore;
  pubsub: PubSubHandle['pubsub'];
  /** Set once the server listens, so signed local-blob URLs point at it (unless PUBLIC_URL is set). */
  setPublicBaseUrl(url: string): void;
  close(): Promise<void>;
}

export async function createDeps(
  env: Env,
  logger: Logger,
  opts: { onPubSubFallback?: () => void } = {},
): Promise<Deps> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse())
      await c().catch((e: unknown) => logger.warn({ err: e }, 'close failed'));
  };
  try {
    let url: string;
    if (env.database.kind === 'postgres') {
      url = env.database.url;
    } else {
      const embedded: EmbeddedPostgres = await startEmbeddedPostgres(env.database);
      closers.push(() => embedded.close());
      url = embedded.url;
      logger.info({ dataDir: env.database.dataDir }, 'embedded PGlite database started');
    }
    const orm = await initOrm(url, { poolMax: env.database.poolMax, debug: env.database.debug, logger });
    closers.push(() => orm.close());

    let publicBaseUrl = env.http.publicUrl ?? `http://127.0.0.1:${env.http.port}`;
    const blobs: BlobStore =
      env.blob.kind === 'azure'
        ? new AzureBlobStore(env.blob.connectionString, env.blob.container)
        : new LocalBlobStore({
            dir: env.blob.dir,
            signingSecret: env.blob.signingSecret,
            publicBaseUrl: () => publicBaseUrl,
          });

    const pubsub = await createAppPubSub(env.redis?.url ?? null, logger, {
      onFallback: opts.onPubSubFallback,
    });
    closers.push(() => pubsub.close());
    return {
      orm,
      blobs,
      pubsub: pubsub.pubsub,
      setPublicBaseUrl(url) {
        if (!env.http.publicUrl) publicBaseUrl = url.replace(/\/+$/, '');
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
