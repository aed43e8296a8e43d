/**
 * The note renderer in a real Web Worker in Chromium (SwiftShader): a `tiny` bank on WebGPU and on WebGL,
 * streamed in priority order, the right count and length, finite and not silent.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT, TEST_OUT_DIR, browserSkipReason, openTestPage, type OpenedPage } from './harness.ts';

const OUT = join(TEST_OUT_DIR, 'renderer-worker-browser');
const skip = browserSkipReason();
let opened: OpenedPage | undefined;

/** Bundles src/engine/worker.ts as the Worker script and writes a seeded `tiny` model directory. */
export async function prepareRendererFixtures(outDir: string): Promise<{ workerDir: string; modelDir: string }> {
  const workerDir = join(outDir, 'worker');
  const modelDir = join(outDir, 'tiny-model');
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, 'model.json'), JSON.stringify({ format: 'gansynth-web/1', config: 'tiny', meta: { name: 'tiny browser test' }, weights: { init: 'seeded-untrained', seed: 5 } }));
  await build({
    entryPoints: [join(REPO_ROOT, 'src/engine/worker.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    outfile: join(workerDir, 'worker.js'), logLevel: 'error', external: ['fs', 'path', 'worker_threads', 'perf_hooks', 'os', 'crypto'],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return { workerDir, modelDir };
}

before(async () => {
  if (skip) return;
  const { workerDir, modelDir } = await prepareRendererFixtures(OUT);
  opened = await openTestPage(join(REPO_ROOT, 'test/browser/pages/renderer-page.ts'), {
    extraMounts: [{ prefix: '/render-worker/', dir: workerDir }, { prefix: '/model/', dir: modelDir }],
  });
  await opened.page.waitForFunction(() => window.rendererPageReady === true, null, { timeout: 30_000 });
});

after(async () => {
  await opened?.close();
});

// SwiftShader runs ~1.7 GFLOP of spectral ops per note (mel→linear and the matmul iSTFT) in seconds, so the
// test renders two notes, one per batch: enough to see the priority pitch stream first.
const PITCHES = [36, 84];
const PRIORITY = [84];

for (const backend of (process.env.RENDERER_BACKENDS?.split(',') ?? ['webgpu', 'webgl']) as ('webgpu' | 'webgl')[]) {
  test(`tiny bank in a Web Worker on ${backend}: priority order, count, length, finite`, { skip, timeout: 90_000 }, async () => {
    const page = opened!;
    let r;
    try {
      r = await page.page.evaluate((o) => window.runWorkerBank(o), {
        workerUrl: '/render-worker/worker.js', modelUrl: '/model/', backend, pitches: PITCHES, priority: PRIORITY, sampleRateHz: 48000, seed: 3, maxBatch: 1,
      });
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${page.consoleLines.join('\n')}`);
    }
    assert.equal(r.backend, backend);
    assert.deepEqual(r.order, [84, 36]);
    assert.deepEqual(r.lengths, new Array(PITCHES.length).fill(192000));
    assert.ok(r.allFinite, 'all samples finite');
    assert.deepEqual(r.silentPitches, []);
    console.log(`# ${backend} in Worker: batch ≤ ${r.maxBatch} (${r.limitSource}); init ${r.initMs.toFixed(0)} ms, first note ${r.firstNoteMs.toFixed(0)} ms, 2 notes ${r.renderMs.toFixed(0)} ms`);
  });
}
