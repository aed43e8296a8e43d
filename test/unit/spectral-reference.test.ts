/**
 * The float64 reference and the mel matrices, checked against independent facts: values Magenta's
 * numpy code produces, a naive DFT, analytic spectra of bin-centred sinusoids, exact invertibility of
 * the STFT, and Magenta's unwrap/IF semantics at the branch cut.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GANSYNTH_SPECTRAL } from '../../src/shared/model-config.ts';
import { linearToMelMatrix, melToLinearMatrix } from '../../src/engine/mel.ts';
import * as R from '../../src/engine/spectral-reference.ts';
import { SeededRandom } from '../../src/shared/random.ts';
import { snrDb } from './support/spectral-fixtures.ts';

const N = GANSYNTH_SPECTRAL.bins;

test('mel matrices equal what magenta spectral_ops.py / specgrams_helper.py compute (numpy float64)', () => {
  // Printed by running Magenta's linear_to_mel_weight_matrix(1024, 1024, 16000, 0, 8000) and
  // _mel_to_linear_matrix with numpy 2.4 (repr of float64). They depend on numpy's view aliasing of the
  // band edges (see mel.ts); without it e.g. m2l[1][1] would be 0.1088 instead of 1.0088.
  const l2m = linearToMelMatrix(GANSYNTH_SPECTRAL);
  const m2l = melToLinearMatrix(GANSYNTH_SPECTRAL);
  const l2mFixtures: [number, number, number][] = [
    [1, 1, 0.9719729189263447],
    [150, 200, 0.40742803001138106],
    [247, 328, 0.3019312278622256],
    [600, 700, 0],
  ];
  const m2lFixtures: [number, number, number][] = [
    [1, 1, 1.0087615084725814],
    [2, 1, 0.029087889211125567],
    [3, 2, 0.5326346877272624],
    [200, 150, 0.6104353001536761],
    [328, 247, 0.438444863061944],
    [700, 525, 0.6409354075949926],
    [1000, 959, 0.35045072214288214],
    [1023, 1021, 0.3700921432339217],
  ];
  for (const [i, j, v] of l2mFixtures) assert.ok(Math.abs(l2m[i * N + j] - v) < 1e-12, `l2m[${i}][${j}] = ${l2m[i * N + j]}, numpy ${v}`);
  for (const [i, j, v] of m2lFixtures) assert.ok(Math.abs(m2l[i * N + j] - v) < 1e-12, `m2l[${i}][${j}] = ${m2l[i * N + j]}, numpy ${v}`);
  let sum = 0;
  let nonZero = 0;
  for (const x of l2m) (sum += x, (nonZero += x !== 0 ? 1 : 0));
  assert.ok(Math.abs(sum - 1021.0981806433961) < 1e-9, `Σ l2m = ${sum}`);
  assert.equal(nonZero, 2042);
  // Structure: the "DC" row 0 and the Nyquist row (8000 Hz sits on the last band's upper edge) are zero,
  // and so is mel band 0 (narrower than any linear bin after widening).
  for (let j = 0; j < N; j++) {
    assert.equal(l2m[j], 0);
    assert.equal(l2m[(N - 1) * N + j], 0);
    assert.equal(l2m[j * N], 0);
  }
  assert.equal(linearToMelMatrix({ ...GANSYNTH_SPECTRAL }), l2m, 'cached per config');
  assert.throws(() => linearToMelMatrix({ ...GANSYNTH_SPECTRAL, bins: 0 }), /bins/);
});

test('fft64 equals a naive DFT', () => {
  const rng = new SeededRandom(7);
  const n = 64;
  const re = Float64Array.from(rng.normals(n));
  const im = Float64Array.from(rng.normals(n));
  const [r0, i0] = [re.slice(), im.slice()];
  R.fft64(re, im);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * k * t) / n;
      sr += r0[t] * Math.cos(a) - i0[t] * Math.sin(a);
      si += r0[t] * Math.sin(a) + i0[t] * Math.cos(a);
    }
    assert.ok(Math.abs(sr - re[k]) < 1e-10 && Math.abs(si - im[k]) < 1e-10, `bin ${k}`);
  }
  assert.throws(() => R.fft64(new Float64Array(12), new Float64Array(12)), /power of two/);
});

test('stftReference: Magenta framing and Hann gain on a bin-centred sinusoid; iSTFT inverts it exactly', () => {
  const spec = GANSYNTH_SPECTRAL;
  assert.equal(R.frontPaddingSamples(spec), 3072);
  const k = 100; // bin 100 = 781.25 Hz; its spectrogram index is 99 (DC dropped)
  const wave = new Float64Array(spec.audioLengthSamples);
  for (let i = 0; i < wave.length; i++) wave[i] = 0.5 * Math.cos((2 * Math.PI * k * i) / spec.nFft) + 0.25 * Math.sin((2 * Math.PI * 333 * i) / spec.nFft);
  const st = R.stftReference(wave, spec);
  // Frame 10 is entirely inside the signal: |X_k| = A·N/4 for a periodic Hann, zero two bins away.
  const t = 10;
  assert.ok(Math.abs(Math.hypot(st.re[t * 1024 + k - 1], st.im[t * 1024 + k - 1]) - (0.5 * 2048) / 4) < 1e-9);
  assert.ok(Math.hypot(st.re[t * 1024 + k + 1], st.im[t * 1024 + k + 1]) < 1e-9);
  // Frame 0 covers padded samples −3072..−1025 only: silence.
  for (let j = 0; j < 1024; j++) assert.equal(st.re[j], 0);
  const y = R.istftReference(st, spec);
  assert.equal(y.length, 64000, 'exactly audioLengthSamples (magenta-js returns 60928)');
  // Away from the onset (frames holding the step at sample 0 have DC content, which Magenta drops) and the
  // tail (TF's unnormalised last nFft − hop samples), the inverse is exact to float64 rounding.
  const inner = snrDb(wave, y, 2048, 64000 - 1536);
  assert.ok(inner > 200, `SNR ${inner}`);
  assert.ok(snrDb(wave, y, 0, 64000 - 1536) > 60);
  assert.ok(snrDb(wave, y, 64000 - 1536, 64000) < 20, 'the tail is attenuated, as in Magenta');
  assert.throws(() => R.stftReference(new Float64Array(10), spec), /samples/);
});

test('inverse STFT window is Hann/1.5 at 75 % overlap', () => {
  const w = R.inverseStftWindow(2048, 512);
  const h = R.hannPeriodic(2048);
  for (let n = 0; n < 2048; n += 97) assert.ok(Math.abs(w[n] - h[n] / 1.5) < 1e-12);
});

test("unwrap and instantaneous frequency follow Magenta's semantics, including the ±π branch", () => {
  // Two bins, five frames. Bin 0: a steady ramp of 2.5 rad/frame, wrapped. Bin 1: jumps of exactly +π and −π.
  const frames = 5;
  const bins = 2;
  const wrap = (x: number) => Math.atan2(Math.sin(x), Math.cos(x));
  const p = new Float64Array(frames * bins);
  const jumps = [0, Math.PI, -Math.PI, Math.PI, 0];
  for (let t = 0; t < frames; t++) {
    p[t * bins] = wrap(0.1 + 2.5 * t);
    p[t * bins + 1] = t === 0 ? 0.3 : p[(t - 1) * bins + 1] + jumps[t];
  }
  const u = R.unwrapReference(p, frames, bins);
  for (let t = 0; t < frames; t++) assert.ok(Math.abs(u[t * bins] - (0.1 + 2.5 * t)) < 1e-12, `ramp frame ${t}`);
  const f = R.instantaneousFrequencyReference(p, frames, bins);
  assert.ok(Math.abs(f[0] - 0.1 / Math.PI) < 1e-12, 'first frame carries the initial phase / π');
  for (let t = 1; t < frames; t++) assert.ok(Math.abs(f[t * bins] - 2.5 / Math.PI) < 1e-12);
  // dd = +π → floormod(2π, 2π) − π = −π, flipped to +π because dd > 0; dd = −π stays −π.
  assert.deepEqual([1, 2, 3].map((t) => Math.round(f[t * bins + 1] * 1e9) / 1e9), [1, -1, 1]);
  // ifToPhase(IF(p)) is the unwrapped phase.
  const back = R.ifToPhaseReference(f, frames, bins);
  for (let i = 0; i < u.length; i++) assert.ok(Math.abs(back[i] - u[i]) < 1e-12);
});
