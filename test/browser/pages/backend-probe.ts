/**
 * Runs a backend selection where it is imported (the page or a Worker) and reports what tfjs ended up with: the
 * selection, whether tfjs ever opened the GPU backends, how many wasm pthreads are running after a conv, and the
 * conv's result (so a backend that starts but computes nonsense fails).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type BackendChoice, type BackendSelection, selectBackendExplained } from '../../../src/engine/backend.ts';

/** What one selection reports. */
export interface ProbeResult {
  selection: BackendSelection;
  /** tfjs backends that were initialised (findBackend returns only those), e.g. ['wasm']. */
  initialised: string[];
  /** pthreads running XNNPACK work after the conv (threads − 1 when threads run), or -1 without PThread. */
  runningPthreads: number;
  crossOriginIsolated: boolean;
  /** Sum of a 3×3 all-ones conv over an all-ones 16×16×8 input (exact: 8·(14·14·9 + 4·14·6 + 4·4) = 16928). */
  convSum: number;
  error?: string;
}

/** Selects `choice`, convolves once, reports. Errors come back as `error`, not thrown (for postMessage). */
export async function probeSelection(choice: BackendChoice, wasmThreads?: number): Promise<ProbeResult | { error: string }> {
  try {
    const selection = await selectBackendExplained(choice, { wasmPath: '/wasm/', ...(wasmThreads ? { wasmThreads } : {}) });
    const y = tf.conv2d(tf.ones([1, 16, 16, 8]) as tf.Tensor4D, tf.ones([3, 3, 8, 1]) as tf.Tensor4D, 1, 'same');
    const convSum = (await tf.sum(y).data())[0]!;
    y.dispose();
    const pthread = (tf.backend() as unknown as { wasm?: { PThread?: { runningWorkers: unknown[] } } }).wasm?.PThread;
    return {
      selection,
      initialised: ['webgpu', 'webgl', 'wasm', 'cpu'].filter((b) => tf.findBackend(b) !== null),
      runningPthreads: pthread ? pthread.runningWorkers.length : -1,
      crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
      convSum,
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
