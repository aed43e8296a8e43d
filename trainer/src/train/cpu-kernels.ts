/**
 * A faster Conv2DBackpropFilter for tfjs-backend-cpu, registered in place of tfjs's own when training on the cpu
 * backend. tfjs 4.22's kernel reads every element through `TensorBuffer.get(b, r, c, d)` (a varargs call and a
 * bounds-checked index computation per multiply-add): 5–8 M multiply-adds/s here, 67–88 % of a `small` or `paper`
 * stage-0 step (bench/training-profile.ts). This one walks the flat arrays the way tfjs-cpu's own Conv2D forward does.
 * Each weight's sum runs in float64 over (batch, row, column) in tfjs's order, so the results are tfjs's, bit for bit
 * (tested against it). NHWC only (all our convs); anything else goes to tfjs's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';

const KERNEL = 'Conv2DBackpropFilter';

interface BackendData {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** dW[wr, wc, d1, d2] = Σ_{b, yr, yc} x[b, yr·sh + wr − top, yc·sw + wc − left, d1] · dy[b, yr, yc, d2], NHWC. */
export function conv2dBackpropFilterNhwc(
  x: Float32Array, xShape: readonly number[], dy: Float32Array, info: tf.backend_util.Conv2DInfo,
): Float32Array {
  const [, inH, inW, inC] = xShape as [number, number, number, number];
  const { batchSize, outHeight, outWidth, outChannels: outC, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const acc = new Float64Array(filterHeight * filterWidth * inC * outC);
  for (let b = 0; b < batchSize; b++) {
    for (let yr = 0; yr < outHeight; yr++) {
      for (let yc = 0; yc < outWidth; yc++) {
        const dyOff = ((b * outHeight + yr) * outWidth + yc) * outC;
        for (let wr = 0; wr < filterHeight; wr++) {
          const xr = yr * strideHeight + wr - top;
          if (xr < 0 || xr >= inH) continue;
          for (let wc = 0; wc < filterWidth; wc++) {
            const xc = yc * strideWidth + wc - left;
            if (xc < 0 || xc >= inW) continue;
            const xOff = ((b * inH + xr) * inW + xc) * inC;
            let o = (wr * filterWidth + wc) * inC * outC;
            for (let d1 = 0; d1 < inC; d1++, o += outC) {
              const xv = x[xOff + d1]!;
              if (xv === 0) continue;
              for (let d2 = 0; d2 < outC; d2++) acc[o + d2] += xv * dy[dyOff + d2]!;
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

let installed = false;

/**
 * Replaces tfjs-backend-cpu's Conv2DBackpropFilter with `conv2dBackpropFilterNhwc` (NCHW falls back to tfjs's), once
 * per process. Call after the cpu backend is registered (importing @tensorflow/tfjs-backend-cpu does that).
 */
export function installFastCpuKernels(): void {
  if (installed) return;
  const original = tf.getKernel(KERNEL, 'cpu');
  if (!original) throw new Error('tfjs-backend-cpu is not registered: import @tensorflow/tfjs-backend-cpu first');
  tf.unregisterKernel(KERNEL, 'cpu');
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'cpu',
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as { inputs: { x: tf.TensorInfo; dy: tf.TensorInfo }; backend: BackendData; attrs: Attrs };
      const { x, dy } = inputs;
      if (attrs.dataFormat === 'NCHW' || x.dtype !== 'float32' || dy.dtype !== 'float32') return original.kernelFunc(args);
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
      );
      const dW = conv2dBackpropFilterNhwc(backend.data.get(x.dataId).values, x.shape, backend.data.get(dy.dataId).values, info);
      return backend.makeTensorInfo(info.filterShape, 'float32', dW);
    },
  });
  installed = true;
}
