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

const args = process.argv.slice(2);
let outDir = 'bench-results';
const filters: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') {
    const v = args[++i];
    if (!v) throw new Error('--out needs a folder');
    outDir = v;
  } else filters.push(args[i]!);
}
const entries = ALL.filter(([f]) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (entries.length === 0) throw new Error(`no bench matches ${filters.join(' ')} (have ${ALL.map(([f]) => f).join(', ')})`);
await runBenches(entries, outDir);
