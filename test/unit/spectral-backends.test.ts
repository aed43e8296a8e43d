/**
 * Spectral ops vs the float64 reference on every tfjs backend Node can run: cpu, wasm, webgpu (Dawn; on a
 * CPU-only machine SwiftShader) on the small config; GANSynth size (128 × 1024) on wasm, the fastest CPU
 * backend here (cpu and SwiftShader WebGPU take 30 s to minutes at that size on a shared 2-core machine).
 * Browser backends: test/browser/spectral-backends.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend, type NodeBackendName } from '../../src/node/backends.ts';
import { GANSYNTH_SPECTRAL, type SpectralConfig } from '../../src/shared/model-config.ts';
import { SMALL_SPEC } from './support/spectral-fixtures.ts';
import { runSpectralConformance } from './support/spectral-conformance.ts';

const cases: { backend: NodeBackendName; spec: SpectralConfig; batch: number; label: string; tolScale?: number }[] = [
  { backend: 'cpu', spec: SMALL_SPEC, batch: 2, label: 'small' },
  { backend: 'wasm', spec: SMALL_SPEC, batch: 2, label: 'small' },
  { backend: 'wasm', spec: GANSYNTH_SPECTRAL, batch: 1, label: 'GANSynth 128×1024' },
  // GPU built-ins are not IEEE-exact: see spectral-conformance.ts for tolScale.
  { backend: 'webgpu', spec: SMALL_SPEC, batch: 1, label: 'small', tolScale: 5 },
];

for (const c of cases) {
  test(`spectral ops match the float64 reference on ${c.backend} (${c.label}, batch ${c.batch})`, async (t) => {
    try {
      await useNodeBackend(c.backend);
    } catch (e) {
      t.skip(`${c.backend} unavailable: ${(e as Error).message}`);
      return;
    }
    const before = tf.memory().numTensors;
    const rows = await runSpectralConformance(c.spec, c.batch, c.tolScale);
    assert.equal(tf.memory().numTensors, before, 'spectral ops leaked tensors');
    t.diagnostic(rows.map((r) => `${r.op}: ${r.error.toExponential(2)} (tol ${r.tolerance.toExponential(0)}, ${r.ms.toFixed(0)} ms)`).join('; '));
    for (const r of rows) assert.ok(r.error <= r.tolerance, `${c.backend} ${r.op}: error ${r.error} > tolerance ${r.tolerance}`);
  });
}
