// Records every module URL a Node process resolves and prints them as JSON at exit (test/light-entry.test.ts).
import { register } from 'node:module';
const { port1, port2 } = new MessageChannel();
const seen = [];
port1.on('message', (u) => seen.push(u));
port1.unref();
register(
  'data:text/javascript,' +
    encodeURIComponent(`
let port; export function initialize(d){ port = d.port; }
export async function resolve(s, c, next){ const r = await next(s, c); port.postMessage(r.url); return r; }
`),
  { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] },
);
process.on('exit', () => process.stdout.write(JSON.stringify(seen)));
