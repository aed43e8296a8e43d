/**
 * One argument parser for every command of both CLIs (src/node/cli/common/args.ts): each command declares its
 * options once, and this loops over the commands the dispatchers find (`gansynth`: src/node/cli, `gansynth-trainer`:
 * trainer/src/commands) to check that its --help lists every declared option with its default, that its parser takes
 * every declared option and refuses others, and that usage errors have one shape in both CLIs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type CommandSpec, type OptionDecl, formatHelp, runScript } from '../../src/node/cli/common/args.ts';
import * as gansynth from '../../src/node/cli/index.ts';
import * as trainer from '../../trainer/src/cli.ts';
import { captureIo } from './support/cli-io.ts';

const CLIS = [
  { program: 'gansynth', cli: gansynth, commands: ['generate', 'invert', 'render'] },
  { program: 'gansynth-trainer', cli: trainer, commands: ['checkpoint', 'dataset', 'eval', 'export', 'features', 'report', 'train'] },
] as const;

/** The declared default as --help must show it, or undefined when the option has none. */
function shownDefault(d: OptionDecl): string | undefined {
  return d.defaultText ?? (d.kind !== 'flag' && d.default !== undefined ? String(d.default) : undefined);
}

/** Every command of both CLIs with its declaration (a command without one fails here). */
async function commands(): Promise<{ program: string; name: string; spec: CommandSpec; run: (argv: string[]) => Promise<ReturnType<typeof captureIo> & { code: number }> }[]> {
  const all = [];
  for (const { program, cli, commands: expected } of CLIS) {
    const names = cli.listCommands();
    assert.deepEqual(names, expected, `${program} finds every command (a dropped one would escape the checks below)`);
    for (const name of names) {
      const mod = await cli.loadCommand(name);
      assert.ok(mod.spec, `${program} ${name} exports its spec (the options its parser and --help are made from)`);
      assert.equal(mod.spec.program, program);
      assert.equal(mod.spec.command, name);
      assert.equal(mod.summary, mod.spec.summary, `${program} ${name}: the usage list shows the spec's summary`);
      const run = async (argv: string[]) => {
        const c = captureIo();
        return { ...c, code: await cli.runCli([name, ...argv], c.io) };
      };
      all.push({ program, name, spec: mod.spec, run });
    }
  }
  return all;
}

test("every command's --help: usage line, summary, every declared option with its default, examples", async () => {
  for (const { program, name, spec, run } of await commands()) {
    for (const flag of ['--help', '-h']) {
      const r = await run([flag]);
      assert.equal(r.code, 0, `${program} ${name} ${flag}: ${r.err.join('\n')}`);
      const lines = r.out.join('\n').split('\n');
      assert.ok(lines[0]!.startsWith(`usage: ${program} ${name} `), lines[0]);
      assert.ok(lines.includes(spec.summary), `${program} ${name}: summary`);
      const options = lines.indexOf('options:');
      const examples = lines.indexOf('examples:');
      assert.ok(options > 0 && examples > options, `${program} ${name}: options: then examples:`);
      assert.ok(spec.examples.length > 0 && lines.slice(examples + 1).every((l) => l.startsWith(`  ${program} ${name} `)), `${program} ${name}: examples`);
      const table = lines.slice(options + 1, examples);
      for (const [option, d] of [...Object.entries(spec.options), ['help', { kind: 'flag', help: '' }] as const]) {
        const at = table.findIndex((l) => new RegExp(`^  --${option}( |$)`).test(l));
        assert.ok(at >= 0, `${program} ${name} --help lists --${option}`);
        // The option's text runs to the next option line; its default is the one the parser applies.
        const next = table.findIndex((l, i) => i > at && /^ {2}--/.test(l));
        const text = table.slice(at, next < 0 ? undefined : next).join('\n');
        const dflt = shownDefault(d);
        const flat = (x: string) => x.replace(/\s+/g, ' ');
        if (dflt !== undefined) assert.ok(flat(text).includes(`default ${flat(dflt)}`), `${program} ${name} --${option} shows (default ${dflt}):\n${text}`);
        if (d.kind === 'choice') assert.ok(text.includes(d.value ?? d.choices.join('|')), `${program} ${name} --${option} shows its choices`);
      }
    }
  }
});

test("every command's parser takes exactly its declared options", async () => {
  for (const { program, name, spec, run } of await commands()) {
    for (const [option, d] of Object.entries(spec.options)) {
      // With --help nothing runs, but the parser still refuses an option it does not know.
      const r = await run(['--help', d.kind === 'flag' ? `--${option}` : `--${option}=x`]);
      assert.equal(r.code, 0, `${program} ${name} takes --${option}: ${r.err.join('\n')}`);
    }
    const r = await run(['--help', '--no-such-option']);
    assert.equal(r.code, 2, `${program} ${name} refuses an undeclared option`);
  }
});

test('usage errors have one shape in both CLIs: unknown option, bad integer, bad choice (exit 2, pointer to --help)', async () => {
  let ints = 0;
  for (const { program, name, spec, run } of await commands()) {
    const hint = `(${program} ${name} --help for usage)`;
    const unknown = await run(['--no-such-option']);
    assert.equal(unknown.code, 2);
    assert.deepEqual(unknown.err, [`${program} ${name}: Unknown option '--no-such-option'`, hint]);
    for (const [option, d] of Object.entries(spec.options)) {
      if (d.kind === 'int') {
        ints++;
        const r = await run([`--${option}`, 'x']);
        assert.equal(r.code, 2, `${program} ${name} --${option} x`);
        assert.deepEqual(r.err, [`${program} ${name}: --${option} must be an integer, got 'x'`, hint]);
        const low = await run([`--${option}=${d.min - 1}`]);
        assert.equal(low.err[0], `${program} ${name}: --${option} must be ${d.max === undefined ? `≥ ${d.min}` : `in ${d.min}..${d.max}`}, got ${d.min - 1}`);
      }
      if (d.kind === 'choice') {
        const r = await run([`--${option}`, 'nonsense']);
        assert.deepEqual(r.err, [`${program} ${name}: --${option} must be one of ${d.choices.join('|')}, got 'nonsense'`, hint]);
      }
    }
  }
  assert.ok(ints >= 10, `integer options checked: ${ints}`);
});

test('scripts outside the CLIs (bench/training-profile.ts, campaign:land) parse, help and fail the same way', async () => {
  const scripts = [(await import('../../bench/training-profile.ts')).spec, (await import('../../bench/gpu/land.ts')).spec] as CommandSpec[];
  for (const spec of scripts) {
    const head = `${spec.program} ${spec.command}`;
    const help = formatHelp(spec);
    for (const [option, d] of Object.entries(spec.options)) {
      assert.match(help, new RegExp(`\\n  --${option}[ \\n]`), `${head} --help lists --${option}`);
      const dflt = shownDefault(d);
      if (dflt !== undefined) assert.ok(help.includes(`default ${dflt}`), `${head} --${option} shows its default`);
    }
    let ran = false;
    const c = captureIo();
    assert.equal(await runScript(spec, ['--no-such-option'], async () => void (ran = true), c.io), 2);
    assert.deepEqual(c.err, [`${head}: Unknown option '--no-such-option'`, `(${head} --help for usage)`]);
    const h = captureIo();
    assert.equal(await runScript(spec, ['--help'], async () => void (ran = true), h.io), 0);
    assert.equal(h.out.join('\n'), help);
    assert.equal(ran, false, 'neither ran the script');
  }
});
