/**
 * Seeded test signals for the spectral tests (test/unit/support/spectral-conformance.ts, Node and the browser page)
 * and the spectral bench. Pure TS, no Node APIs.
 */
import { SeededRandom } from '../src/shared/random.ts';

/**
 * A seeded test wave: white noise (so every bin has energy and phases are well conditioned) plus two
 * partials, peak ≈ 0.7.
 */
export function testWave(lengthSamples: number, seed: number, sampleRateHz = 16000): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(lengthSamples);
  for (let i = 0; i < lengthSamples; i++) {
    const t = i / sampleRateHz;
    out[i] = 0.1 * rng.normal() + 0.3 * Math.sin(2 * Math.PI * 440 * t) + 0.2 * Math.sin(2 * Math.PI * 1234.5 * t + 1);
  }
  return out;
}
