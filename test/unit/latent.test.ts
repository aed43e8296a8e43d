import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateLatents, lerp, randomLatent, slerp } from '../../src/engine/latent.ts';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

test('randomLatent is seeded, standard normal and sized', () => {
  const a = randomLatent(7);
  assert.equal(a.length, 256);
  assert.deepEqual(randomLatent(7), a);
  assert.notDeepEqual(randomLatent(8), a);
  const big = randomLatent(1, 20000);
  const mean = big.reduce((s, x) => s + x, 0) / big.length;
  const variance = big.reduce((s, x) => s + (x - mean) ** 2, 0) / big.length;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
  assert.throws(() => randomLatent(1, 0), /positive integer/);
});

test('lerp hits the endpoints and the midpoint', () => {
  const a = Float32Array.from([0, 2]);
  const b = Float32Array.from([4, -2]);
  assert.deepEqual(lerp(a, b, 0), a);
  assert.deepEqual(lerp(a, b, 1), b);
  assert.deepEqual(lerp(a, b, 0.5), Float32Array.from([2, 0]));
  assert.throws(() => lerp(a, Float32Array.from([1]), 0.5), /differ in length/);
  assert.throws(() => lerp(a, b, NaN), /finite/);
});

test('slerp keeps the norm of Gaussian latents where lerp shrinks it', () => {
  const a = randomLatent(1);
  const b = randomLatent(2);
  const mid = slerp(a, b, 0.5);
  const avg = (norm(a) + norm(b)) / 2;
  assert.ok(Math.abs(norm(mid) - avg) / avg < 0.02, `slerp norm ${norm(mid)} vs ${avg}`);
  assert.ok(norm(lerp(a, b, 0.5)) < 0.8 * avg);
  for (const [t, want] of [[0, a], [1, b]] as const) {
    const got = slerp(a, b, t);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-4);
  }
});

test('slerp handles (near-)parallel and zero latents without NaN', () => {
  const a = randomLatent(3);
  const same = slerp(a, a, 0.3);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(same[i]! - a[i]!) < 1e-5);
  const scaled = a.map((x) => x * 2);
  const s = slerp(a, scaled, 0.5);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(s[i]! - 1.5 * a[i]!) < 1e-4);
  const zero = new Float32Array(256);
  assert.ok(slerp(zero, a, 0.5).every(Number.isFinite));
  const opposite = slerp(a, a.map((x) => -x), 0.25);
  assert.ok(opposite.every(Number.isFinite));
});

test('interpolateLatents walks the anchors in order', () => {
  const anchors = [randomLatent(1), randomLatent(2), randomLatent(3)];
  assert.deepEqual(interpolateLatents(anchors, 0), anchors[0]);
  const end = interpolateLatents(anchors, 1);
  for (let i = 0; i < 256; i++) assert.ok(Math.abs(end[i]! - anchors[2]![i]!) < 1e-4);
  const mid = interpolateLatents(anchors, 0.5);
  for (let i = 0; i < 256; i++) assert.ok(Math.abs(mid[i]! - anchors[1]![i]!) < 1e-4);
  assert.deepEqual(interpolateLatents(anchors, 0.25), slerp(anchors[0]!, anchors[1]!, 0.5));
  assert.deepEqual(interpolateLatents(anchors, -3), anchors[0]);
  assert.deepEqual(interpolateLatents([anchors[1]!], 0.7), anchors[1]);
  assert.throws(() => interpolateLatents([], 0.5), /at least one/);
  assert.throws(() => interpolateLatents([anchors[0]!, new Float32Array(3)], 0.5), /anchor 1 has length 3/);
});
