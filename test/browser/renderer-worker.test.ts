/**
 * The note renderer in a real Web Worker in Chromium (SwiftShader): a bank on WebGPU and on WebGL, streamed in
 * priority order, the right count and length, finite and not silent. The model is MICRO_CONFIG (a 64 ms
 * version of `tiny`) because SwiftShader's WebGPU needs ~100 s per `tiny` note; RENDERER_BROWSER_CONFIG=tiny
 * runs the real `tiny` (minutes).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, TEST_OUT_DIR, browserSkipReason, openTestPage, type OpenedPage } from '../../support/browser-harness.ts';
import { MICRO_CONFIG, prepareRendererFixtures } from './renderer-fixtures.ts';
import { resampledLength } from '../../src/engine/resample.ts';

const OUT = join(TEST_OUT_DIR, 'renderer-worker-browser');
const skip = browserSkipReason();
let opened: OpenedPage | undefined;
const CONFIG = process.env.RENDERER_BROWSER_CONFIG === 'tiny' ? 'tiny' : MICRO_CONFIG;
const AUDIO_LENGTH = CONFIG === 'tiny' ? 64000 : MICRO_CONFIG.spectral.audioLengthSamples;
// Four notes in batches of two: the priority pitches (listed last in the request) must stream first.

before(async () => {
  if (skip) return;
  const { workerDir, modelDir } = await prepareRendererFixtures(OUT, CONFIG);
  opened = await openTestPage(join(REPO_ROOT, 'test/browser/pages/renderer-page.ts'), {
    extraMounts: [{ prefix: '/render-worker/', dir: workerDir }, { prefix: '/model/', dir: modelDir }],
  });
  await opened.page.waitForFunction(() => window.rendererPageReady === true, null, { timeout: 30_000 });
});

after(async () => {
  await opened?.close();
});

const PITCHES = [36, 48, 72, 84];
const PRIORITY = [84, 72];

for (const backend of (process.env.RENDERER_BACKENDS?.split(',') ?? ['webgpu', 'webgl']) as ('webgpu' | 'webgl')[]) {
  test(`${typeof CONFIG === 'string' ? CONFIG : CONFIG.name} bank in a Web Worker on ${backend}: priority order, count, length, finite`, { skip, timeout: 90_000 }, async () => {
    const page = opened!;
    let r;
    try {
      r = await page.page.evaluate((o) => window.runWorkerBank(o), {
        workerUrl: '/render-worker/worker.js', modelUrl: '/model/', backend, pitches: PITCHES, priority: PRIORITY, sampleRateHz: 48000, seed: 3, maxBatch: 2,
      });
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${page.consoleLines.join('\n')}`);
    }
    assert.equal(r.backend, backend);
    assert.deepEqual(r.order, [84, 72, 36, 48]);
    assert.equal(r.maxBatch, 2);
    assert.deepEqual(r.lengths, new Array(PITCHES.length).fill(resampledLength(AUDIO_LENGTH, 16000, 48000)));
    assert.ok(r.allFinite, 'all samples finite');
    assert.deepEqual(r.silentPitches, []);
    console.log(`# ${backend} in Worker: batch ≤ ${r.maxBatch} (${r.limitSource}); init ${r.initMs.toFixed(0)} ms, first note ${r.firstNoteMs.toFixed(0)} ms, 4 notes ${r.renderMs.toFixed(0)} ms`);
  });
}

test('a Worker script that does not load fails initialize() instead of hanging', { skip, timeout: 30_000 }, async () => {
  const message = await opened!.page.evaluate((u) => window.workerInitError(u), '/render-worker/missing.js');
  assert.match(message, /render worker \/render-worker\/missing.js failed/);
});
