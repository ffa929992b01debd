/**
 * The `io` program (commander). `runCli` runs one command line and returns the exit code, so tests drive the
 * same code in-process that `bin/io.js` runs; expected failures print one line that says what to do.
 */
import { Command, CommanderError } from 'commander';
import { registerDatasets } from './commands/datasets.command';
import { registerDetectors } from './commands/detectors.command';
import { registerHubs } from './commands/hubs.command';
import { registerModels } from './commands/models.command';
import { registerPeople } from './commands/people.command';
import { registerTraining } from './commands/training.command';
import { Context } from './context';
import { CliError } from './errors';
import type { CliIo } from './output';

export function buildProgram(ctx: Context): Command {
  const program = new Command('io')
    .description('IntelliOptics from the command line: detectors, datasets, models, people, hubs and edges')
    .version('0.1.0')
    .option('--json', 'print JSON (for scripts)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s) });
  registerPeople(program, ctx);
  registerDetectors(program, ctx);
  registerDatasets(program, ctx);
  registerModels(program, ctx);
  registerTraining(program, ctx);
  registerHubs(program, ctx);
  // Subcommands inherit the output routing and the in-process exit behaviour.
  const inherit = (cmd: Command) => {
    for (const sub of cmd.commands) {
      sub
        .exitOverride()
        .configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s) });
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

/** Runs `args` (without node and the script) and returns the exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const ctx = new Context(io);
  try {
    await buildProgram(ctx).parseAsync(args, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander printed the usage problem (or --help)
    if (err instanceof CliError) {
      io.stderr(`io: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
