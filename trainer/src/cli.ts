/**
 * `gansynth-trainer <command> [args]`: finds `commands/<command>.ts`, which exports
 * `async function main(argv: string[]): Promise<void>` (and optionally `summary: string` for the usage list), and
 * runs it with the remaining arguments. Errors print as one clear line (stack with GANSYNTH_DEBUG=1), exit code 1.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { basename, join } from 'node:path';

const COMMANDS_DIR = fileURLToPath(new URL('./commands/', import.meta.url));
const NAME_RE = /^[a-z][a-z0-9-]*$/;

/** A command module's shape. */
export interface CommandModule {
  main(argv: string[]): Promise<void>;
  /** One line for the usage list. */
  summary?: string;
}

/** Names of the commands present in trainer/src/commands (files `<name>.ts`), sorted. */
export function listCommands(dir: string = COMMANDS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => basename(f, '.ts'))
    .filter((n) => NAME_RE.test(n))
    .sort();
}

/** Loads a command module, checking it exports `main`. */
export async function loadCommand(name: string, dir: string = COMMANDS_DIR): Promise<CommandModule> {
  if (!NAME_RE.test(name)) throw new Error(`'${name}' is not a command name`);
  const file = join(dir, `${name}.ts`);
  if (!existsSync(file)) {
    const known = listCommands(dir);
    throw new Error(`unknown command '${name}'. Commands: ${known.join(', ') || '(none)'}`);
  }
  const mod = (await import(pathToFileURL(file).href)) as Partial<CommandModule>;
  if (typeof mod.main !== 'function') throw new Error(`${file} does not export async function main(argv)`);
  return mod as CommandModule;
}

/** The usage text, listing each command with its summary when it has one. */
export async function usage(dir: string = COMMANDS_DIR): Promise<string> {
  const lines = ['usage: gansynth-trainer <command> [options]   (gansynth-trainer <command> --help for its options)', '', 'commands:'];
  for (const name of listCommands(dir)) {
    let summary = '';
    try {
      summary = (await loadCommand(name, dir)).summary ?? '';
    } catch (e) {
      summary = `(fails to load: ${(e as Error).message})`;
    }
    lines.push(`  ${name.padEnd(12)} ${summary}`);
  }
  return lines.join('\n');
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return name ? 0 : 1;
  }
  try {
    const cmd = await loadCommand(name);
    await cmd.main(rest);
    return 0;
  } catch (e) {
    const err = e as Error;
    console.error(`gansynth-trainer ${name}: ${err.message}`);
    if (process.env.GANSYNTH_DEBUG) console.error(err.stack);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runCli(process.argv.slice(2));
}
