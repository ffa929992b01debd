/**
 * The embedded default database: PGlite (PostgreSQL in WASM) with its data dir under $IO_HOME/cloud/pgdata,
 * exposed on loopback through pglite-socket so the regular PostgreSQL driver, the migrations and every query
 * run unchanged. pglite-socket has ONE backend and defaults to maxConnections 1: we allow pool max + 2.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  close(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  poolMax: number;
}): Promise<EmbeddedPostgres> {
  await mkdir(opts.dataDir, { recursive: true });
  const db = await PGlite.create(opts.dataDir);
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: opts.port,
    maxConnections: opts.poolMax + 2,
  });
  await server.start();
  const port = server.getServerConn().split(':').pop();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
