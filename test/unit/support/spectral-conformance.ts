/**
 * One conformance spec for every backend (STYLE.md §12): each tfjs spectral op against the float64
 * reference, on whatever backend is active. Runs in Node (test/unit/spectral-backends.test.ts) and in
 * Chromium (test/browser/pages/spectral-backends.ts), so it imports no Node APIs.
 *
 * Tolerances are float32 by construction (relative to the largest reference value, max-abs):
 * - dot products of length K (DFT K = nFft, mel K = bins): error ≲ √K·2⁻²⁴·scale, bounded here by 2e-4;
 * - phases and IF are compared modulo their period (2π, resp. 2): at the branch cut float32 and float64 may
 *   legitimately pick opposite sides (Magenta's own exclusion, `ddmod == −π`);
 * - cumsum over F frames accumulates F roundings of values up to π: 1e-4 relative.
 * - GPU backends get `tolScale` 5: WGSL/GLSL transcendental built-ins are not IEEE-exact (WGSL specifies
 *   sin/cos to 2⁻¹¹ absolute on [−π, π], exp/log to a few ULP), which featuresToWaves' cos/sin/exp expose.
 * Exclusions (with reason): none of the ops; `wavesToFeatures`' IF channel is compared only where the
 * linear magnitude is within 60 dB of the maximum (noise-level bins have float32-random phases).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpectralConfig } from '../../../src/shared/model-config.ts';
import { MAGENTA_NORMALIZATION } from '../../../src/shared/model-config.ts';
import * as S from '../../../src/engine/spectral.ts';
import * as R from '../../../src/engine/spectral-reference.ts';
import { maxAbsError, maxWrappedError } from './spectral-fixtures.ts';
import { testWave } from '../../../support/waves.ts';

/** One op's outcome. */
export interface ConformanceRow {
  readonly op: string;
  /** Error relative to the reference's scale (or absolute, for bounded quantities). */
  readonly error: number;
  readonly tolerance: number;
  readonly ms: number;
}

const f32 = (x: ArrayLike<number>) => Float32Array.from(x);

/**
 * Runs every op on the active backend for `batch` copies of distinct seeded waves and returns one row per
 * op. Leaves no tensors behind except the spectral cache, which it disposes: the caller checks numTensors.
 */
export async function runSpectralConformance(spec: SpectralConfig, batch: number, tolScale = 1): Promise<ConformanceRow[]> {
  const rows: ConformanceRow[] = [];
  const { frames, bins, audioLengthSamples: len } = spec;
  const n = frames * bins;
  const waves = Array.from({ length: batch }, (_, i) => testWave(len, 1000 + i, spec.sampleRateHz));
  const refStft = waves.map((w) => R.stftReference(w, spec));
  const stack = (parts: ArrayLike<number>[]) => {
    const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) (out.set(p, o), (o += p.length));
    return out;
  };
  const t3 = (parts: ArrayLike<number>[]) => tf.tensor3d(stack(parts), [batch, frames, bins]);
  const rel = (got: ArrayLike<number>, want: ArrayLike<number>) => {
    const { err, scale } = maxAbsError(got, want);
    return err / scale;
  };
  async function check(op: string, tolerance: number, run: () => tf.Tensor | tf.Tensor[], want: ArrayLike<number>[], measure: (got: Float32Array[], want: ArrayLike<number>[]) => number): Promise<void> {
    const t0 = performance.now();
    const out = run();
    const list = Array.isArray(out) ? out : [out];
    const data = await Promise.all(list.map((t) => t.data() as Promise<Float32Array>));
    const ms = performance.now() - t0;
    tf.dispose(list);
    rows.push({ op, error: measure(data, want), tolerance: tolerance * tolScale, ms });
  }
  const cat = (d: Float32Array[]) => (d.length === 1 ? d[0] : stack(d));

  const wavesT = tf.tensor2d(stack(waves), [batch, len]);
  await check('stft', 2e-4, () => { const s = S.stft(wavesT, spec); return [s.re, s.im]; },
    [stack(refStft.map((s) => s.re)), stack(refStft.map((s) => s.im))], (d, w) => Math.max(rel(d[0], w[0]), rel(d[1], w[1])));

  const reT = t3(refStft.map((s) => f32(s.re)));
  const imT = t3(refStft.map((s) => f32(s.im)));
  await check('istft', 2e-4, () => S.istft(reT, imT, spec), [stack(refStft.map((s) => R.istftReference(s, spec)))], (d, w) => rel(cat(d), w[0]));
  await check('logMagnitude', 1e-5, () => S.logMagnitude(reT, imT), [stack(refStft.map((s) => R.logMagnitudeReference(s)))],
    (d, w) => maxAbsError(cat(d), w[0]).err); // absolute: log error = relative magnitude error
  await check('phaseAngle', 1e-5, () => S.phaseAngle(reT, imT), [stack(refStft.map((s) => R.angleReference(s)))],
    (d, w) => maxWrappedError(cat(d), w[0], 2 * Math.PI));

  const phases = refStft.map((s) => f32(R.angleReference(s)));
  const phaseT = t3(phases);
  const refIf = phases.map((p) => R.instantaneousFrequencyReference(Float64Array.from(p), frames, bins));
  await check('unwrap', 1e-4, () => S.unwrap(phaseT), [stack(phases.map((p) => R.unwrapReference(Float64Array.from(p), frames, bins)))],
    // Modulo 2π against the reference (where a frame step is within rounding of ±π, float32 and float64 may pick
    // the other branch: both are valid unwraps), plus what makes it an unwrap: no step along time beyond π. An
    // "unwrap" that returns its wrapped input passes the first and fails the second (steps near 2π).
    (d, w) => Math.max(maxWrappedError(cat(d), w[0], 2 * Math.PI) / (frames * Math.PI), maxStepBeyondPi(cat(d), frames, bins)));
  await check('instantaneousFrequency', 1e-5, () => S.instantaneousFrequency(phaseT), [stack(refIf)], (d, w) => maxWrappedError(cat(d), w[0], 2));
  const ifT = t3(refIf.map(f32));
  await check('ifToPhase', 1e-5, () => S.ifToPhase(ifT), [stack(refIf.map((x) => R.ifToPhaseReference(x, frames, bins)))], (d, w) => rel(cat(d), w[0]));

  const logMags = refStft.map((s) => R.logMagnitudeReference(s));
  const magT = t3(logMags.map(f32));
  const norm = MAGENTA_NORMALIZATION;
  await check('normalize', 1e-6, () => { const o = S.normalize({ logMag: magT, ifreq: ifT }, norm); return [o.logMag, o.ifreq]; },
    [stack(logMags.map((m) => m.map((x) => x * norm.magA + norm.magB))), stack(refIf.map((m) => m.map((x) => x * norm.ifA + norm.ifB)))],
    (d, w) => Math.max(rel(d[0], w[0]), rel(d[1], w[1])));
  await check('denormalize', 1e-6, () => { const o = S.denormalize({ logMag: magT, ifreq: ifT }, norm); return [o.logMag, o.ifreq]; },
    [stack(logMags.map((m) => m.map((x) => (x - norm.magB) / norm.magA))), stack(refIf.map((m) => m.map((x) => (x - norm.ifB) / norm.ifA)))],
    (d, w) => Math.max(rel(d[0], w[0]), rel(d[1], w[1])));

  const refMel = logMags.map((m, i) => R.specgramsToMelReference({ logMag: m, ifreq: refIf[i] }, spec));
  await check('specgramsToMel', 2e-4, () => { const o = S.specgramsToMel({ logMag: magT, ifreq: ifT }, spec); return [o.logMag, o.ifreq]; },
    [stack(refMel.map((m) => m.logMag)), stack(refMel.map((m) => m.ifreq))],
    (d, w) => Math.max(maxAbsError(d[0], w[0]).err, maxWrappedError(d[1], w[1], 2)));
  const melMagT = t3(refMel.map((m) => f32(m.logMag)));
  const melIfT = t3(refMel.map((m) => f32(m.ifreq)));
  const refLin = refMel.map((m) => R.melToSpecgramsReference({ logMag: Float64Array.from(f32(m.logMag)), ifreq: Float64Array.from(f32(m.ifreq)) }, spec));
  await check('melToSpecgrams', 2e-4, () => { const o = S.melToSpecgrams({ logMag: melMagT, ifreq: melIfT }, spec); return [o.logMag, o.ifreq]; },
    [stack(refLin.map((m) => m.logMag)), stack(refLin.map((m) => m.ifreq))],
    (d, w) => Math.max(maxAbsError(d[0], w[0]).err, maxWrappedError(d[1], w[1], 2)));

  for (const mel of [true, false]) {
    const sp = { ...spec, mel };
    const refFeat = waves.map((w) => R.wavesToFeaturesReference(w, sp, norm));
    // Bins whose linear magnitude is > 60 dB below the maximum: their phase is float32 noise.
    const maxLog = Math.max(...logMags.map((m) => m.reduce((a, x) => Math.max(a, x), -Infinity)));
    await check(`wavesToFeatures(mel=${mel})`, 2e-4, () => S.wavesToFeatures(wavesT, sp, norm), [stack(refFeat)], (d, w) => {
      const got = cat(d);
      const want = w[0] as Float32Array;
      const even = (_: number, i: number) => i % 2 === 0;
      let err = maxAbsError(got.filter(even), want.filter(even)).err;
      for (let i = 0; i < batch * n; i++) {
        const lm = logMags[Math.floor(i / n)][i % n];
        if (!mel && lm < maxLog - Math.log(1000)) continue;
        const e = got[2 * i + 1] - want[2 * i + 1];
        err = Math.max(err, Math.abs(e - 2 * norm.ifA * Math.round(e / (2 * norm.ifA))));
      }
      return err;
    });
    const featT = tf.tensor4d(stack(refFeat.map(f32)), [batch, frames, bins, 2]);
    await check(`featuresToWaves(mel=${mel})`, 2e-4, () => S.featuresToWaves(featT, sp, norm),
      [stack(refFeat.map((f) => R.featuresToWavesReference(f32(f), sp, norm)))], (d, w) => rel(cat(d), w[0]));
    featT.dispose();
  }
  tf.dispose([wavesT, reT, imT, phaseT, ifT, magT, melMagT, melIfT]);
  S.disposeSpectralCache();
  return rows;
}

/** Largest |x[t+1] − x[t]| − π (0 if none exceeds π) along axis 1 of a [batch, frames, bins] array. */
function maxStepBeyondPi(x: ArrayLike<number>, frames: number, bins: number): number {
  let worst = 0;
  for (let b = 0; b * frames * bins < x.length; b++) {
    for (let t = 0; t + 1 < frames; t++) {
      for (let k = 0; k < bins; k++) {
        const i = (b * frames + t) * bins + k;
        worst = Math.max(worst, Math.abs(x[i + bins]! - x[i]!) - Math.PI);
      }
    }
  }
  return worst;
}
