/** io detectors create | list | get | update | delete (Groundlight REST /v1/detectors). */
import { Option, type Command } from 'commander';
import { DetectorModeSchema, type Detector } from '@intellioptics/schema';
import type { Context } from '../context';
import { CliError } from '../errors';
import { table } from '../output';
import { allPages, resolveDetector } from './detector.resolve';

const row = (d: Detector) => ({
  id: d.id,
  name: d.name,
  mode: d.mode,
  threshold: d.confidence_threshold,
  status: d.status,
  query: d.query,
});

const number = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliError(`${name} must be a number, got ${JSON.stringify(v)}.`);
  return n;
};

function modeConfiguration(mode: string, o: { classes?: string; className?: string; maxCount?: number }) {
  switch (mode) {
    case 'MULTI_CLASS': {
      const classes = (o.classes ?? '')
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean);
      if (classes.length < 2)
        throw new CliError('A MULTI_CLASS detector needs --classes a,b[,c…] (at least two).');
      return { class_names: classes };
    }
    case 'COUNT':
    case 'BOUNDING_BOX': {
      if (!o.className)
        throw new CliError(`A ${mode} detector needs --class-name (what it counts or boxes).`);
      const max = mode === 'COUNT' ? 'max_count' : 'max_num_bboxes';
      return { class_name: o.className, ...(o.maxCount !== undefined ? { [max]: o.maxCount } : {}) };
    }
    default:
      return undefined;
  }
}

export function registerDetectors(program: Command, ctx: Context): void {
  const detectors = program.command('detectors').description('create, list, update and delete detectors');

  detectors
    .command('create')
    .description('create a detector (a question asked of images)')
    .requiredOption('--name <name>', 'unique name')
    .requiredOption('--query <question>', 'the question, e.g. "Is the guard rail closed?"')
    .addOption(
      new Option('--mode <mode>', 'answer type').choices(DetectorModeSchema.options).default('BINARY'),
    )
    .option('--classes <a,b,…>', 'class names (MULTI_CLASS)')
    .option('--class-name <name>', 'what is counted or boxed (COUNT, BOUNDING_BOX)')
    .option('--max-count <n>', 'largest count or number of boxes', number('--max-count'))
    .option('--threshold <0..1>', 'confidence needed to answer without a person', number('--threshold'))
    .option('--patience <seconds>', 'how long a person may take', number('--patience'))
    .option('--group <name>', 'group name')
    .action(async function (this: Command) {
      const o = this.opts<{
        name: string;
        query: string;
        mode: string;
        classes?: string;
        className?: string;
        maxCount?: number;
        threshold?: number;
        patience?: number;
        group?: string;
      }>();
      const detector = await ctx.cloud().rest<Detector>('POST', '/v1/detectors', {
        json: {
          name: o.name,
          query: o.query,
          mode: o.mode,
          mode_configuration: modeConfiguration(o.mode, o),
          confidence_threshold: o.threshold,
          patience_time: o.patience,
          group_name: o.group,
        },
      });
      ctx.out(this).print(detector, (d) => `created ${d.id} ${JSON.stringify(d.name)} (${d.mode})`);
    });

  detectors
    .command('list')
    .description('list detectors, newest first')
    .option('--name <name>', 'only the detector with this exact name')
    .action(async function (this: Command) {
      const { name } = this.opts<{ name?: string }>();
      const all = await allPages<Detector>(ctx.cloud(), '/v1/detectors', name ? { name } : {});
      ctx.out(this).print(all, (list) => table(list.map(row)));
    });

  detectors
    .command('get <detector>')
    .description('show one detector (id or name)')
    .action(async function (this: Command, ref: string) {
      const d = await resolveDetector(ctx.cloud(), ref);
      ctx.out(this).print(d, (x) => JSON.stringify(x, null, 2));
    });

  detectors
    .command('update <detector>')
    .description('change a detector (id or name)')
    .option('--name <name>', 'new name')
    .option('--threshold <0..1>', 'confidence threshold', number('--threshold'))
    .option('--patience <seconds>', 'patience time', number('--patience'))
    .addOption(new Option('--status <status>', 'ON or OFF').choices(['ON', 'OFF']))
    .addOption(new Option('--escalation <type>').choices(['STANDARD', 'NO_HUMAN_LABELING']))
    .option('--group <name>', 'group name')
    .action(async function (this: Command, ref: string) {
      const o = this.opts<{
        name?: string;
        threshold?: number;
        patience?: number;
        status?: string;
        escalation?: string;
        group?: string;
      }>();
      const patch = {
        name: o.name,
        confidence_threshold: o.threshold,
        patience_time: o.patience,
        status: o.status,
        escalation_type: o.escalation,
        group_name: o.group,
      };
      if (Object.values(patch).every((v) => v === undefined)) {
        throw new CliError(
          'Nothing to change: give --name, --threshold, --patience, --status, --escalation or --group.',
        );
      }
      const cloud = ctx.cloud();
      const d = await resolveDetector(cloud, ref);
      const updated = await cloud.rest<Detector>('PATCH', `/v1/detectors/${d.id}`, { json: patch });
      ctx.out(this).print(updated, (x) => `updated ${x.id} ${JSON.stringify(x.name)}`);
    });

  detectors
    .command('delete <detector>')
    .description('delete a detector with its image queries, labels and models')
    .option('--yes', 'really delete (it cannot be undone)')
    .action(async function (this: Command, ref: string) {
      const cloud = ctx.cloud();
      const d = await resolveDetector(cloud, ref);
      if (!this.opts<{ yes?: boolean }>().yes) {
        throw new CliError(`This deletes ${d.id} ${JSON.stringify(d.name)} and all its images: add --yes.`);
      }
      await cloud.rest('DELETE', `/v1/detectors/${d.id}`);
      ctx.out(this).print({ deleted: d.id }, () => `deleted ${d.id} ${JSON.stringify(d.name)}`);
    });
}
