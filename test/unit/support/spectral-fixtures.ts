/**
 * Shared fixtures for the spectral tests (Node and the browser page): a small spectral config that keeps
 * the slow backends fast, and the comparison metrics (the seeded test wave is support/waves.ts, which the
 * spectral bench uses too). Pure TS, no Node APIs, so the browser page can import it too.
 */
import type { SpectralConfig } from '../../../src/shared/model-config.ts';

/**
 * GANSynth's framing scaled down 8× in frequency (nFft 256, hop 64 = 75 % overlap, bins 128) and to 32
 * frames; front padding 64·31 + 256 − 2048 = 192 (3 hops, as Magenta's 3072 is 6 hops).
 */
export const SMALL_SPEC: SpectralConfig = Object.freeze({
  sampleRateHz: 16000,
  audioLengthSamples: 2048,
  nFft: 256,
  hopSamples: 64,
  frames: 32,
  bins: 128,
  mel: true,
});

/** max |a − b| and max |b| over all entries. */
export function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): { err: number; scale: number } {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { err, scale };
}

/** Largest |a − b| with the difference taken modulo `period` (IF is only defined modulo 2 at the branch cut). */
export function maxWrappedError(a: ArrayLike<number>, b: ArrayLike<number>, period: number, stride = 1, offset = 0): number {
  let err = 0;
  for (let i = offset; i < a.length; i += stride) {
    const d = a[i] - b[i];
    err = Math.max(err, Math.abs(d - period * Math.round(d / period)));
  }
  return err;
}

/** Signal-to-noise ratio in dB of `estimate` against `reference` over [from, to). */
export function snrDb(reference: ArrayLike<number>, estimate: ArrayLike<number>, from = 0, to = reference.length): number {
  let s = 0;
  let e = 0;
  for (let i = from; i < to; i++) {
    s += reference[i] * reference[i];
    e += (reference[i] - estimate[i]) ** 2;
  }
  return 10 * Math.log10(s / e);
}
