/**
 * Engine bench: NoteRenderer throughput per backend and config at 48 kHz, timed on the product path:
 * `renderBank(latent, pitches)` as the instrument calls it, after a warm-up that renders one batch of each size
 * the timed render runs (so shader compilation is outside the timing), with GFLOP/s against the FLOP count
 * computed from the config (src/engine/cost.ts). The stage split (generator / spectral inverse / resampling /
 * readback) needs a GPU sync after each stage, so it comes from a separate render, only with
 * ENGINE_BENCH_PROFILE=1, in rows marked "(profiled)" (bench/engine-measure.ts). Node: tfjs-wasm, tfjs-cpu,
 * tfjs-webgpu on Dawn (SwiftShader here); Chromium (SwiftShader): WebGPU, WebGL; and @magenta/music's GANSynth in
 * the same browser. Weights are seeded random (speed does not depend on training). Numbers for fewer than 61 notes
 * are extrapolated to a bank and the row says so.
 *
 * Env (plans are config:notes[:maxBatch], comma separated):
 *   ENGINE_BENCH_NODE="wasm=paper:2,small:4,tiny:61;cpu=paper:1,tiny:4;webgpu=tiny:1"
 *     (the cpu backend compiles nothing, so it gets no warm-up: its paper note alone takes minutes)
 *   ENGINE_BENCH_BROWSER="webgpu=tiny:2,small:2,paper:1;webgl=tiny:2,small:2,paper:1"   ('' = skip Chromium)
 *   ENGINE_BENCH_MAGENTA=1   (@magenta/music GANSynth, paper, WebGL, one note after a warm-up; 0 = skip)
 *   ENGINE_BENCH_WARMUP=0    (no warm-up: the timing includes shader compilation; for very slow backends)
 *   ENGINE_BENCH_PROFILE=1   (after timing, one more render with a GPU sync after each stage: the "(profiled)" rows)
 *   ENGINE_BENCH_MEMORY=1    (after timing, one more render with a full batch under tf.profile for the tensor memory
 *                             peak; 0 = skip; never on the cpu backend, whose paper note alone takes minutes)
 */
import * as tf from '@tensorflow/tfjs-core';
import { MODEL_CONFIGS } from '../src/shared/model-config.ts';
import { useNodeBackend, type NodeBackendName } from '../src/node/backends.ts';
import { initGeneratorParams } from '../src/engine/generator.ts';
import { NoteRenderer } from '../src/engine/renderer.ts';
import { disposeSpectralCache } from '../src/engine/spectral.ts';
import type { LoadedModel } from '../src/engine/weights.ts';
import { BENCH_RATE_HZ, measureOptionsFor, measurementRows, parsePlan, spreadPitches, type EnginePlanItem } from './engine-common.ts';
import { measureRenderer } from './engine-measure.ts';
import type { BenchRow } from './types.ts';

const DEFAULT_NODE = 'wasm=paper:2,small:4,tiny:61;cpu=paper:1,tiny:4;webgpu=tiny:1';
const DEFAULT_BROWSER = 'webgpu=tiny:2,small:2,paper:1;webgl=tiny:2,small:2,paper:1';

/** Parses "a=plan;b=plan" into backend → plan. */
export function parseBackendPlans(text: string): [string, EnginePlanItem[]][] {
  return text.split(';').map((s) => s.trim()).filter(Boolean).map((s) => {
    const [backend, plan] = s.split('=');
    if (!backend || !plan) throw new Error(`bad backend plan '${s}' (backend=config:notes,...)`);
    return [backend.trim(), parsePlan(plan)];
  });
}

function seededModel(configName: string): LoadedModel {
  const config = MODEL_CONFIGS[configName];
  if (!config) throw new Error(`unknown config '${configName}' (${Object.keys(MODEL_CONFIGS).join(', ')})`);
  const params = initGeneratorParams(config, 1);
  return { config, normalization: config.normalization, params, meta: { name: `seeded ${configName}` }, format: 'gansynth-web/1', dispose: () => tf.dispose(Object.values(params)) };
}

async function measureNode(backend: NodeBackendName, item: EnginePlanItem): Promise<BenchRow[]> {
  const model = seededModel(item.config);
  const renderer = new NoteRenderer({ model, sampleRateHz: BENCH_RATE_HZ, backend: 'current', maxBatch: item.maxBatch });
  try {
    await renderer.initialize();
    const m = await measureRenderer(renderer, spreadPitches(item.notes), measureOptionsFor(backend));
    const rows = measurementRows({ ...m, backend: `node-${backend}`, config: model.config, notes: item.notes });
    console.error(`  node-${backend} ${item.config}: ${(m.renderMs / item.notes).toFixed(0)} ms/note (${item.notes} notes in batches ${m.batchSizes.join(',')}; warm-up ${m.warmUpMs.toFixed(0)} ms, batches ${m.warmUpBatchSizes.join(',') || 'none'})`);
    return rows;
  } finally {
    renderer.dispose();
    model.dispose();
  }
}

/** Runs the Node plans, then the Chromium ones (see the file header for the env knobs). */
export async function run(progress?: (rows: readonly BenchRow[]) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [backend, plan] of parseBackendPlans(process.env.ENGINE_BENCH_NODE ?? DEFAULT_NODE)) {
    try {
      await useNodeBackend(backend as NodeBackendName);
    } catch (e) {
      console.error(`  node-${backend}: skipped (${(e as Error).message})`);
      continue;
    }
    for (const item of plan) {
      const measured = await measureNode(backend as NodeBackendName, item);
      rows.push(...measured);
      progress?.(measured);
    }
    disposeSpectralCache();
  }
  const browserPlans = parseBackendPlans(process.env.ENGINE_BENCH_BROWSER ?? DEFAULT_BROWSER);
  const magenta = (process.env.ENGINE_BENCH_MAGENTA ?? '1') !== '0';
  if (browserPlans.length > 0 || magenta) {
    // Loaded only when used: it needs playwright-core and the test pages, which the GPU bundle (bench/gpu) leaves out.
    const { runBrowserEngineBench } = await import('./engine-browser.ts');
    rows.push(...(await runBrowserEngineBench(browserPlans, magenta)));
  }
  return rows;
}
