import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from 'gansynth-web/shared/random';
import {
  frechetDistance,
  inceptionScore,
  normalQuantile,
  numberOfDifferentBins,
  pitchAccuracy,
  pitchEntropy,
} from '../src/eval/metrics.ts';
import { checkNote } from '../src/eval/sanity.ts';
import { meanAndCovariance, symmetricEigen } from '../src/eval/linalg.ts';

const oneHot = (i: number, n: number) => Array.from({ length: n }, (_, j) => (j === i ? 1 : 0));
const gaussianRows = (rng: SeededRandom, n: number, d: number, shift = 0, scale = 1) =>
  Array.from({ length: n }, () => Array.from({ length: d }, () => shift + scale * rng.normal()));

test('PA of perfect predictions is 1, of always-wrong predictions 0, hand-computed in between', () => {
  const labels = [0, 1, 2, 3];
  assert.equal(pitchAccuracy(labels.map((l) => oneHot(l, 4)), labels).value, 1);
  assert.equal(pitchAccuracy(labels.map((l) => oneHot((l + 1) % 4, 4)), labels).value, 0);
  const half = pitchAccuracy([oneHot(0, 4), oneHot(1, 4), oneHot(0, 4), oneHot(0, 4)], labels);
  assert.equal(half.value, 0.5);
  assert.ok(half.ci95 > 0.2 && half.ci95 < 0.5, `Wilson CI ${half.ci95}`);
  assert.throws(() => pitchAccuracy([oneHot(0, 4)], [0, 1]), /1 predictions vs 2 labels/);
});

test('PE: one-hot predictions have entropy 0, uniform ones ln(C)', () => {
  assert.equal(pitchEntropy([oneHot(2, 5), oneHot(1, 5)]).value, 0);
  const u = Array(8).fill(1 / 8);
  assert.ok(Math.abs(pitchEntropy([u, u]).value - Math.log(8)) < 1e-12);
});

test('IS: confident predictions spread evenly over C classes give C; identical predictions give 1', () => {
  const c = 10;
  const probs = Array.from({ length: 100 }, (_, i) => oneHot(i % c, c));
  assert.ok(Math.abs(inceptionScore(probs, 1).value - c) < 1e-9);
  const same = Array.from({ length: 50 }, () => [0.7, 0.2, 0.1]);
  assert.ok(Math.abs(inceptionScore(same, 5).value - 1) < 1e-12);
});

test('FID of identical sets is 0; of a mean shift by δ in every one of d dims is d·δ²', () => {
  const rng = new SeededRandom(3);
  const a = gaussianRows(rng, 400, 6);
  assert.ok(frechetDistance(a, a) < 1e-8, `FID(a,a)=${frechetDistance(a, a)}`);
  const shifted = a.map((r) => r.map((x) => x + 0.5));
  assert.ok(Math.abs(frechetDistance(a, shifted) - 6 * 0.25) < 1e-8);
  // Scaling by 2: Σb = 4Σa, (Σa^½ Σb Σa^½)^½ = 2Σa → FID = ‖μ‖² + Tr Σa exactly, from the sample statistics.
  const scaled = a.map((r) => r.map((x) => x * 2));
  const { mean, cov, d } = meanAndCovariance(a);
  let expected = 0;
  for (let i = 0; i < d; i++) expected += mean[i]! ** 2 + cov[i * d + i]!;
  assert.ok(Math.abs(frechetDistance(a, scaled) - expected) < 1e-8);
});

test('NDB of samples from the same distribution is ~0/K; of a shifted distribution, most bins differ', () => {
  const rng = new SeededRandom(7);
  const real = gaussianRows(rng, 2000, 4);
  const same = gaussianRows(rng, 2000, 4);
  const r1 = numberOfDifferentBins(real, same, { k: 10, seed: 1 });
  assert.ok(r1.count <= 2, `same distribution: ${r1.count}/10 bins differ`);
  const identical = numberOfDifferentBins(real, real, { k: 10, seed: 1 });
  assert.equal(identical.count, 0);
  const shifted = gaussianRows(rng, 2000, 4, 1.5);
  const r2 = numberOfDifferentBins(real, shifted, { k: 10, seed: 1 });
  assert.ok(r2.count >= 7, `shifted: ${r2.count}/10 bins differ`);
  assert.throws(() => numberOfDifferentBins(real.slice(0, 5), same, { k: 10 }), /at least k=10/);
});

test('normal quantile and Jacobi eigen-solver agree with known values', () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-6);
  assert.ok(Math.abs(normalQuantile(0.5)) < 1e-12);
  const { values } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
  const sorted = [...values].sort();
  assert.ok(Math.abs(sorted[0]! - 1) < 1e-12 && Math.abs(sorted[1]! - 3) < 1e-12);
});

test('sanity set flags clicks, DC, clipping and silence, and passes a clean faded tone', () => {
  const sr = 16000;
  const clean = new Float32Array(sr);
  for (let i = 0; i < sr; i++) {
    const env = Math.min(1, i / 160, (sr - 1 - i) / 1600);
    clean[i] = 0.5 * env * Math.sin((2 * Math.PI * 440 * i) / sr);
  }
  assert.deepEqual(checkNote(clean, sr).flags, []);
  const clicky = clean.map((x, i) => (i < sr / 2 ? x : 0.5 * Math.sin((2 * Math.PI * 440 * i) / sr)));
  assert.ok(checkNote(clicky, sr).flags.includes('offset-click'));
  const dc = clean.map((x) => x + 0.1);
  assert.ok(checkNote(dc, sr).flags.includes('dc-offset'));
  const clip = clean.map((x) => Math.max(-1, Math.min(1, x * 10)));
  assert.ok(checkNote(clip, sr).flags.includes('clipping'));
  assert.ok(checkNote(new Float32Array(sr), sr).flags.includes('silence'));
});
