/**
 * io import: every image of a labelled folder becomes an image query of the detector (REST POST
 * /v1/image-queries, asynchronous) that is then labelled (POST /v1/labels), as a reviewer would. Each image's
 * query id is derived from the detector and the image bytes, so running an import again adds nothing twice.
 * io export: the detector's human-labelled image queries, written in a dataset format.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { encodeMetadata, type ImageQuery } from '@intellioptics/schema';
import type { Context } from '../context';
import { contentTypeOf, DATASET_FORMATS, extensionOf, type ExportItem } from '../datasets/dataset';
import { parseFormat, readDataset, writeDataset } from '../datasets/formats';
import { exportItemOf, labelForImport } from '../datasets/labels';
import { CliError } from '../errors';
import { allPages, resolveDetector } from './detector.resolve';
import { eachLimited } from './pool';

/** A stable image query id for this image in this detector (the cloud answers 200 to a repeated id). */
export function importedQueryId(detectorId: string, image: Buffer): string {
  return `iq_imp${createHash('sha256').update(detectorId).update(image).digest('hex').slice(0, 40)}`;
}

export function registerDatasets(program: Command, ctx: Context): void {
  program
    .command('import <dir>')
    .description('upload a labelled image folder as labelled image queries of a detector')
    .requiredOption('--detector <detector>', 'detector id or name')
    .addOption(
      new Option('--format <format>', 'dataset layout').choices(DATASET_FORMATS).makeOptionMandatory(),
    )
    .option('--concurrency <n>', 'uploads at once', (v) => Math.max(1, Number(v) || 1), 4)
    .action(async function (this: Command, dir: string) {
      const o = this.opts<{ detector: string; format: string; concurrency: number }>();
      const out = ctx.out(this);
      const cloud = ctx.cloud();
      const detector = await resolveDetector(cloud, o.detector);
      const items = readDataset(parseFormat(o.format), resolve(dir));
      // Check every label before the first upload: a bad dataset fails whole, not half-imported.
      const labels = items.map((item) => labelForImport(detector, item));
      const bar = out.progress(items.length, `importing into ${detector.name}`);
      let created = 0;
      let labelled = 0;
      const classes: Record<string, number> = {};
      try {
        await eachLimited(items, o.concurrency, async (item, i) => {
          const data = await item.read();
          const iq = await cloud.rest<ImageQuery>('POST', '/v1/image-queries', {
            query: {
              detector_id: detector.id,
              want_async: 'true',
              image_query_id: importedQueryId(detector.id, data),
              metadata: encodeMetadata({ source: 'io import', file: item.name }),
            },
            body: data,
            contentType: contentTypeOf(item.name),
          });
          if (iq.result?.source !== 'USER') {
            await cloud.rest('POST', '/v1/labels', { json: { image_query_id: iq.id, ...labels[i]! } });
            labelled++;
          }
          created++;
          classes[labels[i]!.label] = (classes[labels[i]!.label] ?? 0) + 1;
          bar.tick(item.name);
        });
      } finally {
        bar.stop();
      }
      const summary = {
        detector: detector.id,
        images: created,
        labelled,
        already_labelled: created - labelled,
        classes,
      };
      out.print(
        summary,
        (s) =>
          `imported ${s.images} image(s) into ${detector.name} (${s.labelled} labelled now, ${s.already_labelled} already labelled): ` +
          Object.entries(s.classes)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
      );
    });

  program
    .command('export')
    .description("write a detector's human-labelled images as a dataset")
    .requiredOption('--detector <detector>', 'detector id or name')
    .addOption(
      new Option('--format <format>', 'dataset layout').choices(DATASET_FORMATS).makeOptionMandatory(),
    )
    .requiredOption('--out <dir>', 'an empty or new folder')
    .action(async function (this: Command) {
      const o = this.opts<{ detector: string; format: string; out: string }>();
      const out = ctx.out(this);
      const format = parseFormat(o.format);
      const dir = resolve(o.out);
      if (existsSync(dir) && readdirSync(dir).length > 0)
        throw new CliError(`${dir} is not empty: choose a new --out folder.`);
      const cloud = ctx.cloud();
      const detector = await resolveDetector(cloud, o.detector);
      const queries = (
        await allPages<ImageQuery>(cloud, '/v1/image-queries', { detector_id: detector.id })
      ).filter((iq) => iq.result?.source === 'USER');
      const bar = out.progress(queries.length, `downloading ${detector.name}`);
      const items: ExportItem[] = [];
      const used = new Set<string>();
      try {
        await eachLimited(queries, 4, async (iq) => {
          const image = await cloud.bytes(`/v1/image-queries/${iq.id}/image`);
          const item = exportItemOf(iq, fileName(iq, image.contentType, used), image.data);
          if (item) items.push(item);
          bar.tick(iq.id);
        });
      } finally {
        bar.stop();
      }
      items.sort((a, b) => a.name.localeCompare(b.name));
      await writeDataset(format, dir, items);
      const classes: Record<string, number> = {};
      for (const i of items) classes[i.label] = (classes[i.label] ?? 0) + 1;
      out.print(
        { detector: detector.id, format, out: dir, images: items.length, classes },
        (s) => `wrote ${s.images} labelled image(s) of ${detector.name} to ${s.out} (${format})`,
      );
    });
}

/** The imported file's name when it has one and it is free, else the image query id. */
function fileName(iq: ImageQuery, contentType: string, used: Set<string>): string {
  const original = typeof iq.metadata?.file === 'string' ? basename(iq.metadata.file) : '';
  const ext = extname(original) || extensionOf(contentType);
  let name = original && !used.has(original) ? original : `${iq.id}${ext}`;
  if (used.has(name)) name = `${iq.id}-${name}`;
  used.add(name);
  return name;
}
