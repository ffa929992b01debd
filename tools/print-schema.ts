/**
 * Prints cloud-graph's Federation v2 subgraph SDL to libs/schema/generated/cloud-graph.graphql
 * (`npm run gen:schema`). `--check` exits 1 when the committed file differs from the code.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { printCloudGraphSdl } from '@intellioptics/cloud-graph/schema-printer';

const target = resolve(import.meta.dirname, '../libs/schema/generated/cloud-graph.graphql');
const sdl = printCloudGraphSdl();

if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== sdl) {
    console.error(`${target} is out of date: run npm run gen:schema`);
    process.exit(1);
  }
  console.log('cloud-graph SDL is up to date');
} else {
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, sdl);
  console.log(`wrote ${target}`);
}
