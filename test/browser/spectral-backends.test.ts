/**
 * The spectral conformance spec (test/unit/support/spectral-conformance.ts: every op vs the float64
 * reference) in real Chromium on WebGPU and WebGL2 (both on SwiftShader here) and on wasm. Small config
 * (nFft 256, 32 frames) at batch 2, and GANSynth size (128 × 1024) at batch 1 on WebGPU and WebGL.
 * GPU backends get the GPU tolerance (tolScale 5, see spectral-conformance.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { REPO_ROOT, browserSkipReason, openTestPage, type OpenedPage } from '../../support/browser-harness.ts';

const cases = [
  { backend: 'webgpu', size: 'small', batch: 2, tolScale: 5 },
  { backend: 'webgpu', size: 'gansynth', batch: 1, tolScale: 5 },
  { backend: 'webgl', size: 'small', batch: 2, tolScale: 5 },
  { backend: 'webgl', size: 'gansynth', batch: 1, tolScale: 5 },
  { backend: 'wasm', size: 'small', batch: 2, tolScale: 1 },
] as const;

test('spectral ops match the float64 reference in Chromium (WebGPU, WebGL2, wasm)', { skip: browserSkipReason(), timeout: 120_000 }, async (t) => {
  let opened: OpenedPage | undefined;
  try {
    opened = await openTestPage(join(REPO_ROOT, 'test/browser/pages/spectral-backends.ts'));
    await opened.page.waitForFunction(() => window.spectralReady === true, null, { timeout: 30_000 });
    for (const c of cases) {
      await t.test(`${c.backend} ${c.size} batch ${c.batch}`, async (st) => {
        const r = await opened!.page.evaluate((a) => window.runSpectral(a.backend, a.size, a.batch, a.tolScale), c).catch((e: Error) => {
          throw new Error(`${e.message}\n${opened!.consoleLines.join('\n')}`);
        });
        assert.equal(r.backend, c.backend, `page fell back to ${r.backend}`);
        assert.ok(r.float32, `${c.backend} is not rendering float32: tolerances would not apply`);
        assert.equal(r.leakedTensors, 0, 'leaked tensors');
        st.diagnostic(r.rows.map((x) => `${x.op}: ${x.error.toExponential(2)} (tol ${x.tolerance.toExponential(0)}, ${x.ms.toFixed(0)} ms)`).join('; '));
        for (const x of r.rows) assert.ok(x.error <= x.tolerance, `${c.backend} ${x.op}: error ${x.error} > tolerance ${x.tolerance}`);
      });
    }
  } finally {
    await opened?.close();
  }
});
