/**
 * Entry of the self-contained GPU bench bundle (bench/gpu/pack.ts builds it with esbuild into bench.mjs): the same
 * bench modules `npm run bench` runs, imported statically so the bundle needs no node_modules, and tfjs's gradient
 * functions registered from tfjs-core's own list (trainer/src/train/gradients.ts then skips its folder scan).
 *
 *   node bench.mjs [--out DIR] [FILTER...]     (FILTER: engine, spectral, training, worklet, midi-render)
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as engine from '../engine.bench.ts';
import * as midiRender from '../midi-render.bench.ts';
import { type CommandSpec, runScript } from '../../src/node/cli/common/args.ts';
import { CliUsageError } from '../../src/node/cli/common/io.ts';
import { runBenches, type BenchEntry } from '../report.ts';
import * as spectral from '../spectral.bench.ts';
import * as training from '../training.bench.ts';
import * as worklet from '../worklet.bench.ts';

const ALL: BenchEntry[] = [
  ['engine.bench.ts', async () => engine],
  ['midi-render.bench.ts', async () => midiRender],
  ['spectral.bench.ts', async () => spectral],
  ['training.bench.ts', async () => training],
  ['worklet.bench.ts', async () => worklet],
];

/** The bundle's options, parser and --help (src/node/cli/common/args.ts, as the CLIs'). */
const spec = {
  program: 'node',
  command: 'bench.mjs',
  summary: 'the benches of `npm run bench` on a lent GPU machine',
  usage: ['[--out DIR] [FILTER...]'],
  positionals: true,
  notes: `FILTER: a part of a bench's name (${ALL.map(([f]) => f.replace('.bench.ts', '')).join(', ')}); none: all.`,
  options: { out: { kind: 'string', value: 'DIR', default: 'bench-results', help: 'where the results JSON goes' } },
  examples: ['--out /tmp/results spectral training'],
} as const satisfies CommandSpec;

process.exitCode = await runScript(spec, process.argv.slice(2), async ({ values, positionals: filters }) => {
  const entries = ALL.filter(([f]) => filters.length === 0 || filters.some((x) => f.includes(x)));
  if (entries.length === 0) throw new CliUsageError(`no bench matches ${filters.join(' ')} (have ${ALL.map(([f]) => f).join(', ')})`);
  await runBenches(entries, values.out);
});
