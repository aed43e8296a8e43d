/** Console I/O and argument helpers shared by the `gansynth` commands. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command writes: injectable so tests run commands in-process. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Stream for the progress bar; undefined = no bar. */
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** stdout/stderr of this process; the progress bar goes to stderr. */
export function processIo(): CliIo {
  return { out: (l) => console.log(l), err: (l) => console.error(l), progressStream: process.stderr };
}

/** A bad command line (exit code 2, with a pointer to --help). */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/**
 * node:util parseArgs in strict mode (positionals only when `allowPositionals`), its errors turned into one-line
 * CliUsageErrors; a value starting with '-' keeps parseArgs' hint to write it as `--flag=-VALUE`.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[], options: T, allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: boolean }>> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (e) {
    const lines = (e as Error).message.split('\n');
    const dash = lines.find((l) => l.includes('starting with a dash'));
    throw new CliUsageError(lines[0]!.replace(/\. To specify.*$/, '') + (dash ? ` ${dash.replace(/^To specify an option argument starting with a dash use/, 'write')}` : ''));
  }
}

/**
 * Prints a command's failure as both CLIs do: `PROGRAM COMMAND: message` (the stack too with GANSYNTH_DEBUG=1);
 * a usage error adds `(PROGRAM COMMAND --help for usage)`. Returns the exit code: 2 for usage errors, else 1.
 */
export function reportCommandError(head: string, e: unknown, io: CliIo): number {
  const err = e as Error;
  io.err(`${head}: ${err?.message ?? String(e)}`);
  if (err instanceof CliUsageError) {
    io.err(`(${head} --help for usage)`);
    return 2;
  }
  if (process.env.GANSYNTH_DEBUG) io.err(err?.stack ?? '');
  return 1;
}

/** Parses an integer flag value in [min, max]. */
export function intArg(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new CliUsageError(`--${flag} must be an integer, got '${value}'`);
  if (n < min || n > max) throw new CliUsageError(`--${flag} must be ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}..${max}`}, got ${n}`);
  return n;
}

/** Parses one of `choices`. */
export function choiceArg<C extends string>(flag: string, value: string | undefined, fallback: C, choices: readonly C[]): C {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw new CliUsageError(`--${flag} must be one of ${choices.join('|')}, got '${value}'`);
  return value as C;
}
