import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { estimateF0Hz } from '../../src/shared/pitch.ts';
import { designResampler, resampledLength, resampleTs, TensorResampler } from '../../src/engine/resample.ts';

const IN_HZ = 16000;
const N = 64000;

function sine(freqHz: number, rateHz: number, length: number, amp = 0.5): Float32Array {
  return Float32Array.from({ length }, (_, i) => amp * Math.sin((2 * Math.PI * freqHz * i) / rateHz));
}

/**
 * Least-squares fit of a·cos + b·sin at `freqHz` (plus DC) over y[start, end); returns the amplitude and the
 * residual RMS (everything that is not the tone: images, aliasing, rounding).
 */
function fitTone(y: Float32Array, rateHz: number, freqHz: number, start: number, end: number): { amp: number; residualRms: number } {
  let cc = 0, ss = 0, cs = 0, yc = 0, ys = 0, c1 = 0, s1 = 0, y1 = 0;
  const n = end - start;
  for (let i = start; i < end; i++) {
    const w = (2 * Math.PI * freqHz * i) / rateHz;
    const c = Math.cos(w), s = Math.sin(w), v = y[i]!;
    cc += c * c; ss += s * s; cs += c * s; yc += v * c; ys += v * s; c1 += c; s1 += s; y1 += v;
  }
  // Solve the 3×3 normal equations [cc cs c1; cs ss s1; c1 s1 n] [a b d] = [yc ys y1] by Cramer's rule.
  const det3 = (m: number[]) => m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) - m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) + m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!);
  const A = [cc, cs, c1, cs, ss, s1, c1, s1, n];
  const D = det3(A);
  const a = det3([yc, cs, c1, ys, ss, s1, y1, s1, n]) / D;
  const b = det3([cc, yc, c1, cs, ys, s1, c1, y1, n]) / D;
  const d = det3([cc, cs, yc, cs, ss, ys, c1, s1, y1]) / D;
  let r2 = 0;
  for (let i = start; i < end; i++) {
    const w = (2 * Math.PI * freqHz * i) / rateHz;
    const e = y[i]! - (a * Math.cos(w) + b * Math.sin(w) + d);
    r2 += e * e;
  }
  return { amp: Math.hypot(a, b), residualRms: Math.sqrt(r2 / n) };
}

const db = (x: number) => 20 * Math.log10(x);

for (const outHz of [44100, 48000]) {
  test(`16 kHz → ${outHz} Hz: length, f0, passband flat, images ≤ -80 dB (tfjs cpu = TS reference)`, async () => {
    await tf.setBackend('cpu');
    const design = designResampler(IN_HZ, outHz);
    const wantLength = Math.round((N * outHz) / IN_HZ);
    assert.equal(resampledLength(N, IN_HZ, outHz), wantLength);

    const before = tf.memory().numTensors;
    const rs = new TensorResampler(design, N);
    const x = sine(1000, IN_HZ, N);
    const xt = tf.tensor2d(x, [1, N]);
    const yt = rs.resample(xt);
    assert.deepEqual(yt.shape, [1, wantLength]);
    const y = (await yt.data()) as Float32Array;
    xt.dispose();
    yt.dispose();
    rs.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');

    const ref = resampleTs(x, design);
    assert.equal(ref.length, wantLength);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - y[i]!));
    assert.ok(maxDiff < 1e-5, `tensor vs TS reference differ by ${maxDiff}`);

    const f0 = estimateF0Hz(y, outHz, { start: outHz });
    assert.ok(Math.abs(f0 - 1000) < 1, `f0 ${f0} Hz`);
    // Away from the edges (the filter's half-width), everything but the tone must be > 80 dB down.
    const edge = Math.ceil((design.halfWidth * outHz) / IN_HZ) + 10;
    const tone = fitTone(y, outHz, 1000, edge, wantLength - edge);
    const imagesDb = db(tone.residualRms / (tone.amp / Math.SQRT2));
    assert.ok(imagesDb < -80, `images/aliasing at ${imagesDb.toFixed(1)} dB`);
    assert.ok(Math.abs(db(tone.amp / 0.5)) < 0.001, `1 kHz gain ${db(tone.amp / 0.5)} dB`);
    console.log(`# ${outHz} Hz: 1 kHz residual (images + error) ${imagesDb.toFixed(1)} dB, taps/phase ${2 * design.halfWidth}`);
  });
}

test('passband ripple and near-Nyquist images, TS reference (16 kHz → 44.1 kHz)', () => {
  const outHz = 44100;
  const design = designResampler(IN_HZ, outHz);
  const len = 16000;
  const edge = Math.ceil((design.halfWidth * outHz) / IN_HZ) + 10;
  let worstRipple = 0;
  let worstImages = -Infinity;
  for (const f of [50, 440, 2000, 4000, 6000, 7000, 7200]) {
    const y = resampleTs(sine(f, IN_HZ, len), design);
    const tone = fitTone(y, outHz, f, edge, y.length - edge);
    worstRipple = Math.max(worstRipple, Math.abs(db(tone.amp / 0.5)));
    worstImages = Math.max(worstImages, db(tone.residualRms / (tone.amp / Math.SQRT2)));
  }
  console.log(`# passband ripple ≤ ${worstRipple.toFixed(5)} dB to 7.2 kHz, residual ≤ ${worstImages.toFixed(1)} dB`);
  assert.ok(worstRipple < 0.01, `passband ripple ${worstRipple} dB`);
  assert.ok(worstImages < -80, `images ${worstImages} dB`);
});

test('downsampling suppresses aliases; identity and bad rates', async () => {
  await tf.setBackend('cpu');
  const design = designResampler(IN_HZ, 8000);
  // 6 kHz is above the 4 kHz output Nyquist: it must vanish, not alias to 2 kHz.
  const y = resampleTs(sine(6000, IN_HZ, 16000), design);
  const edge = design.halfWidth + 10;
  const alias = fitTone(y, 8000, 2000, edge, y.length - edge);
  assert.ok(db(alias.amp / 0.5) < -80, `alias at ${db(alias.amp / 0.5)} dB`);
  // A silent (or band-narrowed) filter would pass the alias check too: a tone inside the 3.6 kHz passband comes through.
  const kept = fitTone(resampleTs(sine(3000, IN_HZ, 16000), design), 8000, 3000, edge, y.length - edge);
  assert.ok(Math.abs(db(kept.amp / 0.5)) < 0.01, `3 kHz gain ${db(kept.amp / 0.5)} dB`);
  const same = new TensorResampler(designResampler(IN_HZ, IN_HZ), 100);
  const x = tf.tensor2d(sine(100, IN_HZ, 100), [1, 100]);
  const z = same.resample(x);
  assert.deepEqual(await z.data(), await x.data());
  tf.dispose([x, z]);
  same.dispose();
  assert.throws(() => designResampler(IN_HZ, 44100.5), /outRateHz must be a positive integer/);
  assert.throws(() => designResampler(IN_HZ, 44101), /phases/);
});
