/**
 * Our tfjs-cpu Conv2DBackpropFilter (cpu-kernels.ts) against tfjs's own, kernel to kernel and through tf.grad of
 * conv2d, over the paddings, strides and kernel shapes training uses and a few it does not: identical results.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { installFastCpuKernels } from '../src/train/cpu-kernels.ts';
import { registerTrainingGradients } from '../src/train/gradients.ts';

await tf.setBackend('cpu');
await registerTrainingGradients();

type Pad = 'same' | 'valid' | number;
const CASES: { label: string; x: [number, number, number, number]; filter: [number, number, number, number]; strides: number; pad: Pad }[] = [
  { label: '3×3 same (hidden convs)', x: [2, 4, 6, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'same' },
  { label: '2×3 valid over 2×3 (block 1 shape)', x: [2, 2, 3, 4], filter: [2, 3, 4, 6], strides: 1, pad: 'valid' },
  { label: '1×1 (to_rgb, from_rgb)', x: [3, 5, 7, 2], filter: [1, 1, 2, 4], strides: 1, pad: 'same' },
  { label: '3×3 same, stride 2', x: [1, 7, 9, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' },
  { label: '2×2 same (asymmetric padding)', x: [2, 5, 4, 2], filter: [2, 2, 2, 3], strides: 1, pad: 'same' },
  { label: '3×3 explicit pad 1, stride 2', x: [2, 6, 5, 3], filter: [3, 3, 3, 4], strides: 2, pad: 1 },
  { label: '3×1 same (top 1, left 0)', x: [2, 5, 6, 2], filter: [3, 1, 2, 3], strides: 1, pad: 'same' },
  { label: '1×5 same (top 0, left 2)', x: [2, 3, 8, 2], filter: [1, 5, 2, 3], strides: 1, pad: 'same' },
  { label: '3×3 same over 8×64, batch 8 (long sums)', x: [8, 8, 64, 4], filter: [3, 3, 4, 4], strides: 1, pad: 'same' },
];

function run(x: tf.Tensor4D, dy: tf.Tensor4D, c: (typeof CASES)[number]): tf.Tensor4D {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: c.filter,
  } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return worst / scale;
}

test("our Conv2DBackpropFilter gives tfjs-cpu's results exactly, kernel to kernel and through tf.grad of conv2d", async () => {
  const inputs = CASES.map((c, i) => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 10 + i) as tf.Tensor4D;
    const y = tf.conv2d(x, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad);
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 20 + i) as tf.Tensor4D;
    y.dispose();
    return { c, x, dy, filter: tf.randomNormal(c.filter, 0, 1, 'float32', 30 + i) as tf.Tensor4D };
  });
  const viaGrad = ({ c, x, dy, filter }: (typeof inputs)[number]) =>
    tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, c.strides, c.pad), dy)))(filter);
  const theirs = inputs.map((i) => [run(i.x, i.dy, i.c), viaGrad(i)] as const);
  const originalFunc = tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc;
  installFastCpuKernels();
  installFastCpuKernels(); // idempotent
  assert.notEqual(tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc, originalFunc, 'ours is registered');
  const before = tf.memory().numTensors;
  for (const [k, i] of inputs.entries()) {
    const ours = run(i.x, i.dy, i.c);
    const oursGrad = viaGrad(i);
    assert.deepEqual(ours.shape, i.c.filter, i.c.label);
    const e = maxRelErr(await ours.data(), await theirs[k]![0].data());
    const eg = maxRelErr(await oursGrad.data(), await theirs[k]![1].data());
    // Each weight's float64 sum runs over (batch, row, column) in tfjs's order, so the float32 results are identical.
    assert.ok(e === 0 && eg === 0, `${i.c.label}: kernel error ${e}, tf.grad error ${eg}`);
    assert.ok((await theirs[k]![0].data()).some((v) => Math.abs(v) > 0.5), `${i.c.label}: a non-trivial reference`);
    tf.dispose([ours, oursGrad]);
  }
  assert.equal(tf.memory().numTensors, before, 'no leaks');
  tf.dispose([...inputs.flatMap((i) => [i.x, i.dy, i.filter]), ...theirs.flat()]);
});
