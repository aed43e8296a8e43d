/**
 * `gansynth <command> [options]`: each command is one file `src/node/cli/<command>.ts` exporting
 * `main(argv, io?)` and a one-line `summary`; this dispatcher finds it by name, so adding a command is adding a
 * file (helpers live in common/). Errors print as one line (stack with GANSYNTH_DEBUG=1), exit code 1;
 * usage errors exit 2.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type CliIo, CliUsageError, processIo } from './common/io.ts';

const CLI_DIR = fileURLToPath(new URL('./', import.meta.url));
const NAME_RE = /^[a-z][a-z0-9-]*$/;
const NOT_COMMANDS = new Set(['index']);

/** What a command file exports. */
export interface CommandModule {
  main(argv: string[], io?: CliIo): Promise<void>;
  summary?: string;
}

/** Command names: the .ts files of src/node/cli (not index.ts, not tests), sorted. */
export function listCommands(dir: string = CLI_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => basename(f, '.ts'))
    .filter((n) => NAME_RE.test(n) && !NOT_COMMANDS.has(n))
    .sort();
}

/** Loads command `name`, checking it exports main. */
export async function loadCommand(name: string, dir: string = CLI_DIR): Promise<CommandModule> {
  const file = join(dir, `${name}.ts`);
  if (!NAME_RE.test(name) || NOT_COMMANDS.has(name) || !existsSync(file)) {
    throw new CliUsageError(`unknown command '${name}'. Commands: ${listCommands(dir).join(', ') || '(none)'}`);
  }
  const mod = (await import(pathToFileURL(file).href)) as Partial<CommandModule>;
  if (typeof mod.main !== 'function') throw new Error(`${file} does not export main(argv, io)`);
  return mod as CommandModule;
}

/** The top-level usage text. */
export async function usage(dir: string = CLI_DIR): Promise<string> {
  const lines = ['usage: gansynth <command> [options]   (gansynth <command> --help for its options)', '', 'commands:'];
  for (const name of listCommands(dir)) {
    let summary = '';
    try {
      summary = (await loadCommand(name, dir)).summary ?? '';
    } catch (e) {
      summary = `(fails to load: ${(e as Error).message})`;
    }
    lines.push(`  ${name.padEnd(10)} ${summary}`);
  }
  return lines.join('\n');
}

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(await usage());
    return name ? 0 : 2;
  }
  try {
    await (await loadCommand(name)).main(rest, io);
    return 0;
  } catch (e) {
    const err = e as Error;
    io.err(`gansynth ${name}: ${err.message}`);
    if (err instanceof CliUsageError) {
      io.err(`(gansynth ${name} --help for usage)`);
      return 2;
    }
    if (process.env.GANSYNTH_DEBUG) io.err(err.stack ?? '');
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runCli(process.argv.slice(2));
}
