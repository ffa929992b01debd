/**
 * The edge's SQLite connection in its own thread (EDGE_DB_THREAD=worker, see edge-database.ts). libsql's local
 * client runs every statement synchronously on the calling thread; here that thread is this worker, so a
 * commit (and its fsync under STATE_DURABILITY=power) never blocks the gateway's request loop.
 *
 * Plain JavaScript on purpose: a worker thread does not inherit the TypeScript loader of vitest, so this file
 * must load as is under tsx, vitest and `node --import tsx`. It only knows three requests, answered in order:
 *
 *   { id, op: 'open', path, synchronous }     → PRAGMAs (WAL, synchronous, busy_timeout)
 *   { id, op: 'execute', stmt }                → one result
 *   { id, op: 'batch', stmts, mode }           → one transaction, the results
 *   { id, op: 'close' }                        → closes the connection; the thread then ends
 *
 * Replies: { id, ok: true, result } or { id, ok: false, error: { name, message, code, extendedCode, rawCode } }.
 * A result is { columns, columnTypes, rows: unknown[][], rowsAffected, lastInsertRowid }; the main thread
 * rebuilds libsql's row objects from the arrays.
 */
import { parentPort } from 'node:worker_threads';
import { createClient } from '@libsql/client';

if (!parentPort) throw new Error('edge-database.worker.mjs runs as a worker thread');
const port = parentPort;

/** @type {import('@libsql/client').Client | null} */
let client = null;

/** A Uint8Array argument (a Buffer lost its prototype in the message) goes to SQLite as a Buffer again. */
function arg(v) {
  return v instanceof Uint8Array && !Buffer.isBuffer(v)
    ? Buffer.from(v.buffer, v.byteOffset, v.byteLength)
    : v;
}

function stmtIn(s) {
  if (typeof s === 'string' || !s.args) return s;
  if (Array.isArray(s.args)) return { sql: s.sql, args: s.args.map(arg) };
  return { sql: s.sql, args: Object.fromEntries(Object.entries(s.args).map(([k, v]) => [k, arg(v)])) };
}

function resultOut(rs) {
  return {
    columns: rs.columns,
    columnTypes: rs.columnTypes,
    rows: rs.rows.map((r) => Array.from(r)),
    rowsAffected: rs.rowsAffected,
    lastInsertRowid: rs.lastInsertRowid,
  };
}

function errorOut(e) {
  const { name, message, code, extendedCode, rawCode } = e ?? {};
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : String(e),
    code,
    extendedCode,
    rawCode,
  };
}

function connection() {
  if (!client) throw new Error('state store is closed');
  return client;
}

async function handle(msg) {
  switch (msg.op) {
    case 'open': {
      client = createClient({ url: `file:${msg.path}` });
      await client.execute('PRAGMA journal_mode=WAL');
      await client.execute(`PRAGMA synchronous=${msg.synchronous}`);
      await client.execute('PRAGMA busy_timeout=5000');
      return null;
    }
    case 'execute':
      return resultOut(await connection().execute(stmtIn(msg.stmt)));
    case 'batch':
      return (await connection().batch(msg.stmts.map(stmtIn), msg.mode)).map(resultOut);
    case 'close':
      client?.close();
      client = null;
      return null;
    default:
      throw new Error(`unknown state store request ${String(msg.op)}`);
  }
}

// Requests are handled strictly one after another, in arrival order (the client's calls are synchronous, so
// each handle() settles before the next message is read; the chain keeps that true if one ever awaits).
let chain = Promise.resolve();
port.on('message', (msg) => {
  chain = chain.then(async () => {
    try {
      port.postMessage({ id: msg.id, ok: true, result: await handle(msg) });
    } catch (e) {
      port.postMessage({ id: msg.id, ok: false, error: errorOut(e) });
    }
    if (msg.op === 'close') port.close();
  });
});
