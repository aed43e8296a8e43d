/**
 * The one command-line parser of the `gansynth` and `gansynth-trainer` commands (the trainer imports it as
 * `gansynth-web/node/cli/common/args`). A command declares its options once (`CommandSpec`): the parser
 * (node:util parseArgs, strict) and its `--help` are both made from that declaration, so help cannot list an option
 * the parser refuses, or miss one it takes, or show another default than the one applied.
 *
 * Errors are CliUsageErrors (exit 2) of one shape, printed by the dispatcher (dispatch.ts) as
 *   gansynth-trainer train: --steps must be an integer, got 'x'
 *   (gansynth-trainer train --help for usage)
 * i.e. `--FLAG must be <what>, got <value>`: 'an integer', 'in MIN..MAX', 'a number', 'one of A|B|C'; a missing
 * option: `--FLAG is required (...)`; an unknown one: parseArgs' `Unknown option '--x'`.
 *
 * `--help` / `-h` layout: the usage line(s), the summary, any notes, `options:` (then one heading per group), one
 * line per option with its value placeholder, its text and `(MIN..MAX, default X)` from the declaration, and
 * `examples:`.
 */
import { type CliIo, CliUsageError, choiceArg, intArg, parseCommandArgs, processIo, reportCommandError } from './io.ts';

interface OptionBase {
  /** What it does (may hold '\n' for more lines); the range and default are appended from the declaration. */
  readonly help: string;
  /** A heading the option is listed under (consecutive options share it); none: under `options:`. */
  readonly group?: string;
  /** The default as help shows it, when it is not a plain value (e.g. 'the built-in model'). */
  readonly defaultText?: string;
}

/** One option of a command. */
export type OptionDecl =
  | (OptionBase & { readonly kind: 'flag' })
  | (OptionBase & { readonly kind: 'string'; readonly value: string; readonly default?: string })
  | (OptionBase & { readonly kind: 'int'; readonly value: string; readonly min: number; readonly max?: number; readonly default?: number })
  | (OptionBase & { readonly kind: 'number'; readonly value: string; readonly min: number; readonly max?: number; readonly default?: number; readonly unit?: string })
  | (OptionBase & { readonly kind: 'choice'; readonly choices: readonly string[]; readonly value?: string; readonly default?: string });

/** A command's options by long name (without `--`). */
export type OptionDecls = Readonly<Record<string, OptionDecl>>;

/** A command: everything its parser and its help are made from. */
export interface CommandSpec<O extends OptionDecls = OptionDecls> {
  /** 'gansynth' or 'gansynth-trainer'. */
  readonly program: string;
  readonly command: string;
  /** One line for the program's command list and the top of the help. */
  readonly summary: string;
  /** What follows `usage: PROGRAM COMMAND`, one entry per form. */
  readonly usage: readonly string[];
  /** Positional arguments are allowed (the command checks how many). */
  readonly positionals?: boolean;
  /** Text between the summary and the options (verbs, what a positional is). */
  readonly notes?: string;
  readonly options: O;
  /** Command lines after `PROGRAM COMMAND`, at least one. */
  readonly examples: readonly string[];
}

type ValueOf<D> = D extends { kind: 'flag' } ? boolean
  : D extends { kind: 'int' | 'number'; default: number } ? number
  : D extends { kind: 'int' | 'number' } ? number | undefined
  : D extends { kind: 'choice'; choices: readonly (infer C)[]; default: string } ? C
  : D extends { kind: 'choice'; choices: readonly (infer C)[] } ? C | undefined
  : D extends { default: string } ? string
  : string | undefined;

/** The values of a parsed command line, typed from the declarations (defaults applied). */
export type ParsedValues<O extends OptionDecls> = { -readonly [K in keyof O]: ValueOf<O[K]> };

/** A parsed command line. */
export interface ParsedCommand<O extends OptionDecls> {
  readonly values: ParsedValues<O>;
  readonly positionals: string[];
  /** Options given on the command line (a default applied is not given). */
  readonly given: ReadonlySet<keyof O & string>;
}

/** Parses a number flag value in [min, max]; the error names the flag. */
export function numberArg(flag: string, text: string, min: number, max: number): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x)) throw new CliUsageError(`--${flag} must be a number, got '${text}'`);
  if (x < min || x > max) throw new CliUsageError(`--${flag} must be ${max === Number.MAX_VALUE ? `≥ ${min}` : `in ${min}..${max}`}, got ${x}`);
  return x;
}

/** A missing required option: `--FLAG is required (why)`. */
export function requireOption<T>(flag: string, value: T | undefined, why: string): T {
  if (value === undefined || value === '') throw new CliUsageError(`--${flag} is required (${why})`);
  return value;
}

/**
 * Parses `argv` by `spec`; null when --help / -h was given (print `formatHelp(spec)`). Values are checked and
 * converted by their declarations, defaults applied; anything else is a CliUsageError naming the flag.
 */
export function parseCommand<O extends OptionDecls>(spec: CommandSpec<O>, argv: string[]): ParsedCommand<O> | null {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, d] of Object.entries(spec.options)) config[name] = { type: d.kind === 'flag' ? 'boolean' : 'string' };
  const { values: raw, positionals } = parseCommandArgs(argv, config, spec.positionals === true);
  if (raw.help) return null;
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [name, d] of Object.entries(spec.options)) {
    const text = raw[name];
    if (text !== undefined) given.add(name);
    switch (d.kind) {
      case 'flag':
        values[name] = text === true;
        break;
      case 'string':
        values[name] = (text as string | undefined) ?? d.default;
        break;
      case 'int':
        values[name] = text === undefined ? d.default : intArg(name, text as string, 0, d.min, d.max ?? Number.MAX_SAFE_INTEGER);
        break;
      case 'number':
        values[name] = text === undefined ? d.default : numberArg(name, text as string, d.min, d.max ?? Number.MAX_VALUE);
        break;
      case 'choice':
        values[name] = text === undefined ? d.default : choiceArg(name, text as string, d.choices[0]!, d.choices);
        break;
      default: {
        const never: never = d;
        throw new Error(`unknown option kind ${String(never)}`);
      }
    }
  }
  return { values: values as ParsedValues<O>, positionals, given: given as ReadonlySet<keyof O & string> };
}

/** The option column of one option: `--name VALUE`. */
function optionLabel(name: string, d: OptionDecl): string {
  if (d.kind === 'flag') return `--${name}`;
  return `--${name} ${d.kind === 'choice' ? (d.value ?? d.choices.join('|')) : d.value}`;
}

/** `(MIN..MAX UNIT, default X)` from the declaration, or '' when it has neither. */
function optionSuffix(d: OptionDecl): string {
  const parts: string[] = [];
  if (d.kind === 'int' || d.kind === 'number') {
    const unit = d.kind === 'number' && d.unit ? ` ${d.unit}` : '';
    parts.push(d.max === undefined ? `≥ ${d.min}${unit}` : `${d.min}..${d.max}${unit}`);
  }
  const dflt = d.defaultText ?? (d.kind !== 'flag' && d.default !== undefined ? String(d.default) : undefined);
  if (dflt !== undefined) parts.push(`default ${dflt}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** Column where option texts start. */
const TEXT_COLUMN = 28;

/** The `--help` text of `spec` (layout in the header). */
export function formatHelp(spec: CommandSpec): string {
  const head = `${spec.program} ${spec.command}`;
  const lines = spec.usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}${head} ${u}`);
  lines.push('', spec.summary);
  if (spec.notes) lines.push('', ...spec.notes.split('\n'));
  lines.push('', 'options:');
  let group: string | undefined;
  const entries: [string, OptionDecl][] = [...Object.entries(spec.options), ['help', { kind: 'flag', help: 'this help (also -h)' }]];
  for (const [name, d] of entries) {
    if (d.group !== group && d.group !== undefined) lines.push(`${d.group}:`);
    group = d.group ?? group;
    const label = `  ${optionLabel(name, d)}`;
    const text = (d.help + optionSuffix(d)).split('\n');
    const pad = ' '.repeat(TEXT_COLUMN);
    if (label.length < TEXT_COLUMN) lines.push(label.padEnd(TEXT_COLUMN) + text[0]);
    else lines.push(label, pad + text[0]);
    for (const more of text.slice(1)) lines.push(pad + more);
  }
  lines.push('', 'examples:', ...spec.examples.map((e) => `  ${head} ${e}`));
  return lines.join('\n');
}

/** What a command module may export besides main: its declaration, for help, the usage list and tests. */
export interface CommandWithSpec {
  readonly spec: CommandSpec;
}

/** Parses by `spec`, or prints its help through `out` and returns null (the command then returns). */
export function parseOrHelp<O extends OptionDecls>(spec: CommandSpec<O>, argv: string[], out: (line: string) => void): ParsedCommand<O> | null {
  const parsed = parseCommand(spec, argv);
  if (!parsed) out(formatHelp(spec));
  return parsed;
}

/**
 * Runs a script that is not a dispatcher command (a bench or campaign tool) by `spec`, as the CLIs run commands:
 * --help prints the help, a usage error prints the same two lines and gives exit code 2, any other error one line
 * and 1. Returns the exit code (for process.exitCode).
 */
export async function runScript<O extends OptionDecls>(
  spec: CommandSpec<O>, argv: string[], run: (parsed: ParsedCommand<O>) => Promise<void>, io: CliIo = processIo(),
): Promise<number> {
  try {
    const parsed = parseOrHelp(spec, argv, io.out);
    if (parsed) await run(parsed);
    return 0;
  } catch (e) {
    return reportCommandError(`${spec.program} ${spec.command}`, e, io);
  }
}
