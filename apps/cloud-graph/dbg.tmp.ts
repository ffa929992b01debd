import { startTestApp, gql } from './test/helpers/test-app';
const t = await startTestApp();
const q = gql(t.url);
console.log(JSON.stringify(await q('{ users { id } }', {}, t.tokens.hub)));
await t.close();
