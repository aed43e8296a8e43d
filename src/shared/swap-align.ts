/**
 * Phase alignment of bank swaps, computed by the sender off the audio thread (the page's main thread, where each
 * rendered note arrives before it is posted to the worklet). Pure TS, no DOM.
 *
 * A held voice swaps to a new buffer at whatever point it has reached in the note, which nobody knows in advance.
 * Two renders of one pitch share its period but not its phase: read at the same position, they can cancel in the
 * crossfade. So the sender measures, once per note, the read offset δ (0 ≤ δ < about one period of the pitch's f0)
 * at which the new buffer best continues the old one, over the old buffer's loop region (where a held note spends
 * nearly all its time and stays forever once looping): new[q + δ] ≈ old[q] for q anywhere in that region, because
 * both are periodic there with the same period. The voice adds δ to its mapped position when it swaps. The offset is
 * relative to the old buffer, so a chain of swaps (A → B → C) composes by itself: a voice on B at q moves to C at
 * q + δ(B→C). The residual mismatch (partials whose relative phases differ between the renders) is measured too, as
 * the normalised correlation at δ, and the worklet's crossfade compensates its level for it (swap-curve.ts).
 */
import { findLoopRegion } from './loop.ts';
import { midiToHz } from './pitch.ts';
import type { BankMessage, LoopRegion, SwapAlignment } from './protocol.ts';

/** A pitch's previous buffer as the sender remembers it. */
export interface SwapSource {
  readonly samples: Float32Array;
  readonly sampleRateHz: number;
  readonly bankId: number;
  readonly loop: LoopRegion;
}

/** Windows (each max(1 period, 10 ms)) spread over the old loop region the correlation sums over: one offset fits all of it. */
export const SWAP_ALIGN_WINDOWS = 8;
/** Lowest f0 the period search assumes, Hz (caps the search at 50 ms of lags). */
const MIN_ALIGN_F0_HZ = 20;

/**
 * The offset (frames of `next`, 0 ≤ δ < one period of `pitch`'s f0, plus a coarse step) that makes `next[q + δ]`
 * correlate best with `previous.samples[q]` over the previous buffer's loop region, with that correlation and the
 * level ratio. Undefined when the two are at different rates (positions would not map frame for frame) or either
 * is silent over the region. Cost: a coarse pass every `step` lags over every `step`-th frame, then every lag and
 * frame around the best: about 8 × period × (period / step² + 2 step) multiply-adds (measured on this shared 2-core
 * VM at 48 kHz: 12 ms for MIDI 24, 3 ms for 36, under 1 ms from 48 up; findLoopRegion costs 5–7 ms per note).
 */
export function findSwapAlignment(previous: SwapSource, next: Float32Array, sampleRateHz: number, pitch: number): SwapAlignment | undefined {
  if (previous.sampleRateHz !== sampleRateHz) return undefined;
  const old = previous.samples;
  const periodFrames = sampleRateHz / Math.max(midiToHz(pitch), MIN_ALIGN_F0_HZ);
  const lagCount = Math.ceil(periodFrames);
  // Coarse every `step` (≤ 1/12 ms: fine for content up to ~3 kHz), then every frame around the best.
  const step = Math.max(1, Math.round(sampleRateHz / 12000));
  const maxLag = lagCount + step;
  const regionStart = previous.loop.startFrame;
  const regionEnd = Math.min(previous.loop.endFrame, old.length, next.length - maxLag - 1);
  const regionFrames = regionEnd - regionStart;
  if (regionFrames < 2) return undefined;
  const windowFrames = Math.min(Math.max(lagCount, Math.round(0.01 * sampleRateHz)), Math.floor(regionFrames / SWAP_ALIGN_WINDOWS) || regionFrames);
  const starts: number[] = [];
  for (let w = 0; w < SWAP_ALIGN_WINDOWS; w++) {
    starts.push(regionStart + Math.floor((w * (regionFrames - windowFrames)) / Math.max(1, SWAP_ALIGN_WINDOWS - 1)));
  }
  /** Normalised correlation at `lag` over every `stride`-th frame of the windows, and the two energies. */
  const measure = (lag: number, stride: number): { correlation: number; oldEnergy: number; newEnergy: number } => {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (const s of starts) {
      for (let i = s; i < s + windowFrames; i += stride) {
        const x = old[i]!;
        const y = next[i + lag]!;
        xy += x * y;
        xx += x * x;
        yy += y * y;
      }
    }
    return { correlation: xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0, oldEnergy: xx, newEnergy: yy };
  };
  let best = 0;
  let bestScore = -Infinity;
  const consider = (lag: number, stride: number): void => {
    const c = measure(lag, stride).correlation;
    if (c > bestScore + 1e-12) {
      bestScore = c;
      best = lag;
    }
  };
  for (let lag = 0; lag < lagCount; lag += step) consider(lag, step);
  const coarse = best;
  bestScore = -Infinity;
  for (let lag = Math.max(0, coarse - step + 1); lag <= coarse + step - 1; lag++) consider(lag, 1);
  const { correlation, oldEnergy, newEnergy } = measure(best, 1);
  if (!(oldEnergy > 0 && newEnergy > 0)) return undefined;
  // Rounding can put a perfect match a hair past 1; the worklet accepts −1..1.
  return { fromBankId: previous.bankId, offsetFrames: best, correlation: Math.max(-1, Math.min(1, correlation)), levelRatio: Math.sqrt(newEnergy / oldEnergy) };
}

/**
 * The `bank` message for a freshly rendered note: its loop region (findLoopRegion, which also refuses non-finite
 * samples, so the worklet need not scan them) and, when the pitch had a previous buffer, the swap alignment against
 * it. `samples` goes into the message as is (copy it first if the caller keeps it: the transfer detaches it).
 */
export function bankMessageFor(
  pitch: number,
  bankId: number,
  samples: Float32Array,
  sampleRateHz: number,
  previous?: SwapSource,
): BankMessage {
  const loop = findLoopRegion(samples, sampleRateHz);
  const swap = previous ? findSwapAlignment(previous, samples, sampleRateHz, pitch) : undefined;
  return { type: 'bank', pitch, bankId, samples, sampleRateHz, loop, ...(swap ? { swap } : {}) };
}
