/**
 * `gansynth-trainer <command> [args]`: each command is one file `commands/<command>.ts` exporting
 * `async function main(argv)` and a one-line `summary`; the dispatcher is the one `gansynth` uses
 * (src/node/cli/common/dispatch.ts).
 */
import { fileURLToPath } from 'node:url';
import { createCli } from 'gansynth-web/node/cli/common/dispatch';

export type { CommandModule } from 'gansynth-web/node/cli/common/dispatch';

export const { listCommands, loadCommand, usage, runCli } = createCli({
  program: 'gansynth-trainer', dir: fileURLToPath(new URL('./commands/', import.meta.url)),
});

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runCli(process.argv.slice(2));
}
