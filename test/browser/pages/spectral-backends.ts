/**
 * Page for test/browser/spectral-backends.test.ts: the shared conformance spec (test/unit/support/
 * spectral-conformance.ts) on a tfjs backend chosen by the test. Exposes `window.runSpectral`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { GANSYNTH_SPECTRAL } from '../../../src/shared/model-config.ts';
import { SMALL_SPEC } from '../../unit/support/spectral-fixtures.ts';
import { runSpectralConformance, type ConformanceRow } from '../../unit/support/spectral-conformance.ts';

interface SpectralPageResult {
  backend: string;
  /** WEBGL_RENDER_FLOAT32_ENABLED etc., to state the precision the backend ran at. */
  float32: boolean;
  rows: ConformanceRow[];
  leakedTensors: number;
}

declare global {
  interface Window {
    runSpectral(backend: string, size: 'small' | 'gansynth', batch: number, tolScale: number): Promise<SpectralPageResult>;
    spectralReady: boolean;
  }
}

setWasmPaths('/wasm/');

window.runSpectral = async (backend, size, batch, tolScale) => {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialise`);
  await tf.ready();
  const before = tf.memory().numTensors;
  const rows = await runSpectralConformance(size === 'small' ? SMALL_SPEC : GANSYNTH_SPECTRAL, batch, tolScale);
  const float32 = backend !== 'webgl' || tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
  return { backend: tf.getBackend(), float32, rows, leakedTensors: tf.memory().numTensors - before };
};
window.spectralReady = true;
