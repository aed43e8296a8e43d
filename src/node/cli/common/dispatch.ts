/**
 * The command dispatcher both CLIs use (`gansynth`: src/node/cli, `gansynth-trainer`: trainer/src/commands): each
 * command is one file `<dir>/<name>.ts` exporting `main(argv, io?)`, a one-line `summary` and its `spec` (the
 * option declarations its parser and --help are made from: args.ts), found by name, so
 * adding a command is adding a file (in a packed package the folder holds the built `<name>.js` instead). Errors
 * print as one line (stack with GANSYNTH_DEBUG=1) and exit 1; usage errors (CliUsageError, an unknown command, no
 * command) exit 2.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommandSpec } from './args.ts';
import { type CliIo, CliUsageError, processIo, reportCommandError } from './io.ts';

const NAME_RE = /^[a-z][a-z0-9-]*$/;
/** A command file: TypeScript in the repository (run through tsx), JavaScript in a packed package (dist/). */
const COMMAND_FILE_RE = /^(.+)\.(ts|js)$/;

/** What a command file exports. */
export interface CommandModule {
  main(argv: string[], io?: CliIo): Promise<void>;
  /** One line for the usage list. */
  summary?: string;
  /** Its options, parser and --help (args.ts); every command of both CLIs has one (test/unit/cli-help.test.ts). */
  spec?: CommandSpec;
}

/**
 * One CLI: its program name, and either the folder of its command files (and files there that are not commands)
 * or, for a bundle with no source folder, its command modules by name.
 */
export interface CliSpec {
  readonly program: string;
  readonly dir?: string;
  readonly notCommands?: readonly string[];
  readonly modules?: Readonly<Record<string, CommandModule>>;
}

/** A CLI's dispatcher functions. */
export interface Cli {
  /** Command names: the .ts (or built .js) files of the folder (not tests, not `notCommands`), sorted. */
  listCommands(): string[];
  /** Loads command `name`, checking it exports main; an unknown name is a CliUsageError listing the commands. */
  loadCommand(name: string): Promise<CommandModule>;
  /** The top-level usage text with each command's summary. */
  usage(): Promise<string>;
  /** Runs `argv` (without node and script); resolves to the exit code. */
  runCli(argv: string[], io?: CliIo): Promise<number>;
}

/** Makes the dispatcher of one CLI. */
export function createCli(spec: CliSpec): Cli {
  const skip = new Set(spec.notCommands ?? []);
  const dir = spec.dir ?? '';
  const listCommands = (): string[] => {
    if (spec.modules) return Object.keys(spec.modules).sort();
    if (!existsSync(dir)) return [];
    const names = readdirSync(dir).map((f) => COMMAND_FILE_RE.exec(f)?.[1] ?? '');
    return [...new Set(names)].filter((n) => NAME_RE.test(n) && !skip.has(n)).sort();
  };
  const commandFile = (name: string): string => {
    const ts = join(dir, `${name}.ts`);
    return existsSync(ts) ? ts : join(dir, `${name}.js`);
  };
  const loadCommand = async (name: string): Promise<CommandModule> => {
    if (spec.modules) {
      const mod = Object.hasOwn(spec.modules, name) ? spec.modules[name] : undefined;
      if (!mod) throw new CliUsageError(`unknown command '${name}'. Commands: ${listCommands().join(', ')}`);
      return mod;
    }
    const file = commandFile(name);
    if (!NAME_RE.test(name) || skip.has(name) || !existsSync(file)) {
      throw new CliUsageError(`unknown command '${name}'. Commands: ${listCommands().join(', ') || '(none)'}`);
    }
    const mod = (await import(pathToFileURL(file).href)) as Partial<CommandModule>;
    if (typeof mod.main !== 'function') throw new Error(`${file} does not export main(argv, io)`);
    return mod as CommandModule;
  };
  const usage = async (): Promise<string> => {
    const names = listCommands();
    const width = Math.max(8, ...names.map((n) => n.length)) + 2;
    const lines = [`usage: ${spec.program} <command> [options]   (${spec.program} <command> --help for its options)`, '', 'commands:'];
    for (const name of names) {
      let summary = '';
      try {
        summary = (await loadCommand(name)).summary ?? '';
      } catch (e) {
        summary = `(fails to load: ${(e as Error).message})`;
      }
      lines.push(`  ${name.padEnd(width)}${summary}`);
    }
    return lines.join('\n');
  };
  const runCli = async (argv: string[], io: CliIo = processIo()): Promise<number> => {
    const [name, ...rest] = argv;
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      io.out(await usage());
      return name ? 0 : 2;
    }
    try {
      await (await loadCommand(name)).main(rest, io);
      return 0;
    } catch (e) {
      return reportCommandError(`${spec.program} ${name}`, e, io);
    }
  };
  return { listCommands, loadCommand, usage, runCli };
}
