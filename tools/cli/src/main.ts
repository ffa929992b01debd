/** Entry point of `io` (bin/io.js): the process's own streams and environment. */
import { runCli } from './cli';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  interactive: Boolean(process.stderr.isTTY),
});
