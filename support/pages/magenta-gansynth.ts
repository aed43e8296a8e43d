/**
 * Page for the parity test (test/browser/magenta-parity.test.ts) and the engine bench (bench/engine-browser.ts): @magenta/music 1.23.1's GANSynth (tfjs 2.8) on its own page, because tfjs 2 and
 * our tfjs 4 would share one global engine (`_tfengine`) on a single page. Exposes `window.runMagenta`.
 */
import * as tf from '@tensorflow/tfjs';
// The package's UMD build of the gansynth module (fft.js bundled inside; tfjs 2 is its external `require`).
// Its ESM build namespace-imports CommonJS modules (`new FFT()` on `import * as FFT`), which esbuild rejects.
import gansynthUmd from '@magenta/music/es6/gansynth.js';

const { GANSynth } = gansynthUmd as typeof import('@magenta/music/es6/gansynth');

interface MagentaResult {
  backend: string;
  specgram: number[];
  shape: number[];
  audio: number[];
  predictMs: number;
  audioMs: number;
}

declare global {
  interface Window {
    runMagenta(checkpointUrl: string, z: number[], pitch: number, backend: string): Promise<MagentaResult>;
    magentaReady: boolean;
  }
}

window.runMagenta = async (checkpointUrl, z, pitch, backend) => {
  await tf.setBackend(backend);
  await tf.ready();
  const model = new GANSynth(checkpointUrl);
  await model.initialize();
  const input = tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d([pitch - model.minMidiPitch], 'int32'), model.midiPitches);
    return tf.concat([tf.tensor2d(z, [1, model.nLatents]), onehot], 1).reshape([1, 1, 1, model.nLatents + model.nPitches]) as tf.Tensor4D;
  });
  let t0 = performance.now();
  const specgrams = model.predict(input, 1);
  const specgram = Array.from(await specgrams.data());
  const predictMs = performance.now() - t0;
  t0 = performance.now();
  const audio = Array.from(await model.specgramsToAudio(specgrams));
  const audioMs = performance.now() - t0;
  const shape = specgrams.shape.slice();
  tf.dispose([input, specgrams]);
  model.dispose();
  return { backend: tf.getBackend(), specgram, shape, audio, predictMs, audioMs };
};
window.magentaReady = true;
