/**
 * `gansynth <command> [options]`: each command is one file `src/node/cli/<command>.ts` exporting
 * `main(argv, io?)` and a one-line `summary` (helpers live in common/; the dispatcher is common/dispatch.ts).
 */
import { fileURLToPath } from 'node:url';
import { createCli } from './common/dispatch.ts';

export type { CommandModule } from './common/dispatch.ts';

export const { listCommands, loadCommand, usage, runCli } = createCli({
  program: 'gansynth', dir: fileURLToPath(new URL('./', import.meta.url)), notCommands: ['index'],
});

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runCli(process.argv.slice(2));
}
