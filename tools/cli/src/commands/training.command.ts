/** io train: queue a retrain now and (with --wait) follow its progress; io jobs: a detector's recent jobs. */
import type { Command } from 'commander';
import type { Context } from '../context';
import { CliError } from '../errors';
import {
  REQUEST_TRAINING,
  TRAINING_JOB,
  TRAINING_JOBS,
  type Payload,
  type TrainingJob,
} from '../graphql.operations';
import { table } from '../output';
import { resolveDetector } from './detector.resolve';

const row = (j: TrainingJob) => ({
  id: j.id,
  state: j.state,
  outcome: j.outcome,
  trigger: j.trigger,
  progress: j.progress,
  labels: j.labelCount,
  created: j.createdAt,
  error: j.error,
});

export function registerTraining(program: Command, ctx: Context): void {
  program
    .command('train')
    .description('train a detector now (one job per detector at a time)')
    .requiredOption('--detector <detector>', 'detector id or name')
    .option('--wait', 'follow the job until it ends (exit 1 if it fails)')
    .option('--timeout <seconds>', 'give up waiting after this long', Number, 1800)
    .action(async function (this: Command) {
      const o = this.opts<{ detector: string; wait?: boolean; timeout: number }>();
      const out = ctx.out(this);
      const cloud = ctx.cloud();
      const d = await resolveDetector(cloud, o.detector);
      const { job } = await cloud.mutate<Payload & { job: TrainingJob }>(
        REQUEST_TRAINING,
        { detectorId: d.id },
        'requestTraining',
      );
      if (!o.wait) {
        out.print(
          job,
          (j) => `queued training job ${j.id} for ${d.name} (io jobs --detector ${d.id} shows it)`,
        );
        return;
      }
      const bar = out.progress(100, `training ${d.name}`);
      const deadline = Date.now() + o.timeout * 1000;
      let current = job;
      try {
        while (current.state === 'QUEUED' || current.state === 'RUNNING') {
          if (Date.now() > deadline) {
            throw new CliError(
              `Job ${job.id} is still ${current.state} after ${o.timeout} s: is a training worker running?`,
            );
          }
          await new Promise((r) => setTimeout(r, 1000));
          const next = await cloud.graphql<{ trainingJob: TrainingJob | null }>(TRAINING_JOB, { id: job.id });
          if (!next.trainingJob) throw new CliError(`Job ${job.id} disappeared (was the detector deleted?).`);
          current = next.trainingJob;
          bar.update(Math.round(current.progress * 100), current.stage ?? current.state);
        }
      } finally {
        bar.stop();
      }
      out.print(
        current,
        (j) => `job ${j.id}: ${j.state}${j.outcome ? ` (${j.outcome})` : ''}${j.error ? `: ${j.error}` : ''}`,
      );
      if (current.state === 'FAILED')
        throw new CliError(`Training failed: ${current.error ?? 'see io jobs'}`);
    });

  program
    .command('jobs')
    .description("a detector's recent training jobs")
    .requiredOption('--detector <detector>', 'detector id or name')
    .option('--limit <n>', 'how many', Number, 20)
    .action(async function (this: Command) {
      const o = this.opts<{ detector: string; limit: number }>();
      const cloud = ctx.cloud();
      const d = await resolveDetector(cloud, o.detector);
      const { trainingJobs } = await cloud.graphql<{ trainingJobs: TrainingJob[] }>(TRAINING_JOBS, {
        detectorId: d.id,
        limit: o.limit,
      });
      ctx.out(this).print(trainingJobs, (list) => table(list.map(row)));
    });
}
