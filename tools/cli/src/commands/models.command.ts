/**
 * io models list | export: a detector's model versions, and their packages downloaded through the signed
 * URLs the cloud hands out (checked against the registered sha256). io rollback: serve an earlier version again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Context } from '../context';
import { CliError } from '../errors';
import { MODEL_VERSIONS, ROLLBACK, type ModelVersion, type Payload } from '../graphql.operations';
import { table } from '../output';
import { resolveDetector } from './detector.resolve';

const row = (m: ModelVersion) => ({
  id: m.id,
  kind: m.kind,
  version: m.number,
  state: m.state,
  size: m.sizeBytes,
  created: m.createdAt,
  published: m.publishedAt,
});

export function registerModels(program: Command, ctx: Context): void {
  const models = program.command('models').description("a detector's model versions");

  models
    .command('list')
    .requiredOption('--detector <detector>', 'detector id or name')
    .action(async function (this: Command) {
      const cloud = ctx.cloud();
      const d = await resolveDetector(cloud, this.opts<{ detector: string }>().detector);
      const { modelVersions } = await cloud.graphql<{ modelVersions: ModelVersion[] }>(MODEL_VERSIONS, {
        detectorId: d.id,
      });
      ctx.out(this).print(modelVersions, (list) => table(list.map(row)));
    });

  models
    .command('export')
    .description('download model packages (default: the published ones) with a manifest.json')
    .requiredOption('--detector <detector>', 'detector id or name')
    .requiredOption('--out <dir>', 'folder to write <kind>-v<version>.buf files into')
    .option('--all', 'every version, not only the published ones')
    .action(async function (this: Command) {
      const o = this.opts<{ detector: string; out: string; all?: boolean }>();
      const out = ctx.out(this);
      const cloud = ctx.cloud();
      const d = await resolveDetector(cloud, o.detector);
      const { modelVersions } = await cloud.graphql<{ modelVersions: ModelVersion[] }>(MODEL_VERSIONS, {
        detectorId: d.id,
      });
      const chosen = modelVersions.filter((m) => o.all || m.state === 'PUBLISHED');
      if (chosen.length === 0) {
        throw new CliError(
          `${d.name} has no ${o.all ? '' : 'published '}model versions yet: run io train --detector ${d.id}.`,
        );
      }
      const dir = resolve(o.out);
      mkdirSync(dir, { recursive: true });
      const bar = out.progress(chosen.length, 'downloading models');
      const files = [];
      try {
        for (const m of chosen) {
          // Signed URLs need no token (and may point at Azure Blob Storage, not the cloud).
          const res = await fetch(m.downloadUrl, { signal: AbortSignal.timeout(120_000) });
          if (!res.ok)
            throw new CliError(
              `Downloading ${m.kind} v${m.number} failed with ${res.status}: run the export again.`,
            );
          const data = Buffer.from(await res.arrayBuffer());
          const sha256 = createHash('sha256').update(data).digest('hex');
          if (sha256 !== m.sha256)
            throw new CliError(`${m.kind} v${m.number}: sha256 ${sha256} is not the registered ${m.sha256}.`);
          const file = `${m.kind}-v${m.number}.buf`;
          writeFileSync(join(dir, file), data);
          files.push({
            file,
            kind: m.kind,
            version: m.number,
            state: m.state,
            sha256,
            sizeBytes: data.length,
            metrics: m.metrics,
          });
          bar.tick(file);
        }
      } finally {
        bar.stop();
      }
      const manifest = {
        detector: { id: d.id, name: d.name, mode: d.mode },
        exportedAt: new Date().toISOString(),
        files,
      };
      writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      out.print(
        manifest,
        (m) => `wrote ${m.files.map((f) => f.file).join(', ')} and manifest.json to ${dir}`,
      );
    });

  program
    .command('rollback')
    .description('serve an earlier primary model version again (with its OODD pair)')
    .requiredOption('--detector <detector>', 'detector id or name')
    .option(
      '--to <version>',
      'the primary version number (default: the one before the published one)',
      Number,
    )
    .action(async function (this: Command) {
      const o = this.opts<{ detector: string; to?: number }>();
      const cloud = ctx.cloud();
      const d = await resolveDetector(cloud, o.detector);
      const { modelVersions } = await cloud.graphql<{ modelVersions: ModelVersion[] }>(MODEL_VERSIONS, {
        detectorId: d.id,
        kind: 'primary',
      });
      const current = modelVersions.find((m) => m.state === 'PUBLISHED');
      const target =
        o.to !== undefined
          ? modelVersions.find((m) => m.number === o.to)
          : modelVersions
              .filter((m) => m.state === 'RETIRED' && (!current || m.number < current.number))
              .sort((a, b) => b.number - a.number)[0];
      if (!target) {
        const known = modelVersions.map((m) => `v${m.number} ${m.state}`).join(', ') || 'none';
        throw new CliError(`No primary version to roll back to (versions: ${known}): pass --to <version>.`);
      }
      const payload = await cloud.mutate<
        Payload & { primary: ModelVersion | null; oodd: ModelVersion | null }
      >(ROLLBACK, { id: target.id }, 'rollbackModelVersion');
      ctx
        .out(this)
        .print(
          { detector: d.id, from: current?.number ?? null, primary: payload.primary, oodd: payload.oodd },
          (r) =>
            `${d.name}: serving primary v${r.primary?.number}${r.oodd ? ` and oodd v${r.oodd.number}` : ''} (was v${r.from ?? '-'})`,
        );
    });
}
