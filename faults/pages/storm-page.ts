/**
 * The storm's page: the instrument test page (its `gsTest` mount, stats and recorder) plus the page's tfjs tensor
 * count, which the main-thread renderer (no worker-url) allocates in.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../../support/pages/instrument-page.ts';

(window as unknown as { gsStorm: unknown }).gsStorm = {
  tensors: () => tf.memory().numTensors,
};
