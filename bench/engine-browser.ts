/**
 * The Chromium half of the engine bench: our NoteRenderer on the page (WebGPU, WebGL) and @magenta/music's
 * GANSynth (tfjs 2.8, WebGL) on its own page (the two tfjs versions cannot share one), same browser, same
 * seeded paper weights (ours from a seeded model.json, Magenta's from a Magenta-layout checkpoint of the same
 * seed written with saveModelDir).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { MODEL_CONFIGS, PAPER_CONFIG } from '../src/shared/model-config.ts';
import { initGeneratorParams } from '../src/engine/generator.ts';
import { saveModelDir } from '../src/node/model-io.ts';
import { randomLatent } from '../src/engine/latent.ts';
import { REPO_ROOT, TEST_OUT_DIR, browserSkipReason, openTestPage } from '../support/browser-harness.ts';
import { BENCH_RATE_HZ, measureOptionsFor, measurementRows, spreadPitches, type EnginePlanItem } from './engine-common.ts';
import type { BenchRow } from './types.ts';

const OUT = join(TEST_OUT_DIR, 'bench-engine');
const MAGENTA_PITCH = 60;

function writeSeededModelDirs(): string {
  const dir = join(OUT, 'models');
  for (const name of Object.keys(MODEL_CONFIGS)) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'model.json'), JSON.stringify({ format: 'gansynth-web/1', config: name, weights: { init: 'seeded-untrained', seed: 1 } }));
  }
  return dir;
}

/** Runs `plans` ([backend, items]) in Chromium, then Magenta's GANSynth when `magenta`. */
export async function runBrowserEngineBench(plans: [string, EnginePlanItem[]][], magenta: boolean): Promise<BenchRow[]> {
  const skip = browserSkipReason();
  if (skip) {
    console.error(`  chromium: skipped (${skip})`);
    return [];
  }
  const rows: BenchRow[] = [];
  const modelsDir = writeSeededModelDirs();
  const opened = await openTestPage(join(REPO_ROOT, 'bench/engine-page.ts'), { extraMounts: [{ prefix: '/models/', dir: modelsDir }] });
  try {
    await opened.page.waitForFunction(() => window.benchPageReady === true, null, { timeout: 60_000 });
    for (const [backend, items] of plans) {
      for (const item of items) {
        try {
          const r = await opened.page.evaluate((o) => window.benchPageRenderer(o), {
            modelUrl: `/models/${item.config}/`, backend, pitches: spreadPitches(item.notes), sampleRateHz: BENCH_RATE_HZ, maxBatch: item.maxBatch, ...measureOptionsFor(backend),
          });
          rows.push(...measurementRows({ ...r, backend: `chromium-${r.backend}`, config: MODEL_CONFIGS[item.config]!, notes: item.notes }));
          console.error(`  chromium-${backend} ${item.config}: ${(r.renderMs / item.notes).toFixed(0)} ms/note (${item.notes} notes in batches ${r.batchSizes.join(',')}; warm-up ${r.warmUpMs.toFixed(0)} ms, batches ${r.warmUpBatchSizes.join(',') || 'none'})`);
        } catch (e) {
          console.error(`  chromium-${backend} ${item.config}: FAILED ${(e as Error).message}\n${opened.consoleLines.slice(-10).join('\n')}`);
        }
      }
    }
  } finally {
    await opened.close();
  }
  if (magenta) rows.push(...(await magentaRows(rows)));
  return rows;
}

async function magentaRows(ours: BenchRow[]): Promise<BenchRow[]> {
  const ckpt = join(OUT, 'magenta-ckpt');
  if (!existsSync(join(ckpt, 'weights_manifest.json'))) {
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    const params = initGeneratorParams(PAPER_CONFIG, 1);
    // 8 MiB shards (4 files): magenta-js (tfjs 2) requests every shard at once and stalls on > 6 over HTTP/1.1.
    await saveModelDir(ckpt, { config: PAPER_CONFIG, params }, { magentaLayout: true, shardBytes: 8 * 1024 * 1024 });
    tf.dispose(Object.values(params));
  }
  const opened = await openTestPage(join(REPO_ROOT, 'support/pages/magenta-gansynth.ts'), { extraMounts: [{ prefix: '/ckpt/', dir: ckpt }] });
  try {
    await opened.page.waitForFunction(() => window.magentaReady === true, null, { timeout: 60_000 });
    const z = Array.from(randomLatent(100));
    const runOnce = () => opened.page.evaluate(([u, zz, p]) => window.runMagenta(u, zz, p, 'webgl'), [`${opened.url}/ckpt`, z, MAGENTA_PITCH] as const);
    const warm = await runOnce(); // compiles the shaders
    const r = await runOnce();
    const msPerNote = r.predictMs + r.audioMs;
    const extra = { warmUpMs: warm.predictMs + warm.audioMs, generatorMsPerNote: r.predictMs, spectralMsPerNote: r.audioMs, notesMeasured: 1, backendUsed: r.backend, outputRateHz: 16000, note: 'Magenta outputs 60928 samples at 16 kHz (no resampling); its specgramsToAudio includes a CPU readback' };
    const rows: BenchRow[] = [
      { suite: 'engine', name: 'paper ms/note', backend: 'chromium-magenta-webgl', value: msPerNote, unit: 'ms', extra },
      { suite: 'engine', name: 'paper 61-note bank', backend: 'chromium-magenta-webgl', value: msPerNote * 61, unit: 'ms', extra: { ...extra, extrapolated: true } },
      { suite: 'engine', name: 'paper generator ms/note', backend: 'chromium-magenta-webgl', value: r.predictMs, unit: 'ms', extra },
    ];
    const oursWebgl = ours.find((x) => x.backend === 'chromium-webgl' && x.name === 'paper ms/note');
    if (oursWebgl) rows.push({ suite: 'engine', name: 'paper ms/note, ours ÷ Magenta (webgl)', backend: 'chromium-webgl', value: oursWebgl.value / msPerNote, unit: 'ratio', extra: { ours: oursWebgl.value, magenta: msPerNote } });
    console.error(`  chromium magenta-webgl paper: ${msPerNote.toFixed(0)} ms/note (generator ${r.predictMs.toFixed(0)}, audio ${r.audioMs.toFixed(0)}; warm-up ${extra.warmUpMs.toFixed(0)} ms)`);
    return rows;
  } catch (e) {
    console.error(`  chromium magenta: FAILED ${(e as Error).message}\n${opened.consoleLines.slice(-10).join('\n')}`);
    return [];
  } finally {
    await opened.close();
  }
}
