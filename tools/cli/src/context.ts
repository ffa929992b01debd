/** What every command gets: the output and, on first use, a client for the logged-in cloud. */
import type { Command } from 'commander';
import { CloudClient } from './cloud.client';
import { resolveCloud } from './config.store';
import { Output, type CliIo } from './output';

export class Context {
  private client: CloudClient | null = null;
  /** Set by a command that printed its result but must still fail (e.g. an edge that is not ready). */
  exitCode = 0;

  constructor(readonly io: CliIo) {}

  /** The output of a command, `--json` taken from the program's global option. */
  out(command: Command): Output {
    return new Output(this.io, Boolean(command.optsWithGlobals<{ json?: boolean }>().json));
  }

  cloud(): CloudClient {
    if (!this.client) {
      const { url, token } = resolveCloud(this.io.env);
      this.client = new CloudClient(url, token);
    }
    return this.client;
  }
}
