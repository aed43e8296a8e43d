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

/** Windows spread over the old loop region that the correlation is summed over (so one offset fits all of it). */
export const SWAP_ALIGN_WINDOWS = 8;
/** Lowest f0 the period search assumes, Hz (caps the search at 50 ms of lags). */
const MIN_ALIGN_F0_HZ = 20;

/**
 * The offset (frames of `next`, 0 ≤ δ < one period of `pitch`'s f0, plus a coarse step) that makes `next[q + δ]`
 * correlate best with `previous.samples[q]` over the previous buffer's loop region, with that correlation and the
 * level ratio. Undefined when the two are at different rates (positions would not map frame for frame) or either
 * is silent over the region. Cost: about (period / step) × 8 × max(2 periods, 10 ms) multiply-adds (a few ms for the
 * lowest GANSynth pitch at 48 kHz).
 */
export function findSwapAlignment(previous: SwapSource, next: Float32Array, sampleRateHz: number, pitch: number): SwapAlignment | undefined {
  if (previous.sampleRateHz !== sampleRateHz) return undefined;
  const old = previous.samples;
  const periodFrames = sampleRateHz / Math.max(midiToHz(pitch), MIN_ALIGN_F0_HZ);
  const lagCount = Math.ceil(periodFrames);
  // Coarse pass every `step` frames (≤ 1/12 ms: fine for content up to ~3 kHz), then every frame around the best.
  const step = Math.max(1, Math.round(sampleRateHz / 12000));
  const maxLag = lagCount + step;
  const regionStart = previous.loop.startFrame;
  const regionEnd = Math.min(previous.loop.endFrame, old.length, next.length - maxLag - 1);
  const regionFrames = regionEnd - regionStart;
  if (regionFrames < 2) return undefined;
  const windowFrames = Math.min(Math.max(2 * lagCount, Math.round(0.01 * sampleRateHz)), Math.floor(regionFrames / SWAP_ALIGN_WINDOWS) || regionFrames);
  const starts: number[] = [];
  for (let w = 0; w < SWAP_ALIGN_WINDOWS; w++) {
    starts.push(regionStart + Math.floor((w * (regionFrames - windowFrames)) / Math.max(1, SWAP_ALIGN_WINDOWS - 1)));
  }
  let oldEnergy = 0;
  for (const s of starts) for (let i = s; i < s + windowFrames; i++) oldEnergy += old[i]! * old[i]!;
  if (!(oldEnergy > 0)) return undefined;

  const measure = (lag: number): { correlation: number; newEnergy: number } => {
    let xy = 0;
    let yy = 0;
    for (const s of starts) {
      for (let i = s; i < s + windowFrames; i++) {
        const y = next[i + lag]!;
        xy += old[i]! * y;
        yy += y * y;
      }
    }
    return { correlation: yy > 0 ? xy / Math.sqrt(oldEnergy * yy) : 0, newEnergy: yy };
  };
  let best = 0;
  let bestScore = -Infinity;
  const consider = (lag: number): void => {
    const c = measure(lag).correlation;
    if (c > bestScore + 1e-12) {
      bestScore = c;
      best = lag;
    }
  };
  for (let lag = 0; lag < lagCount; lag += step) consider(lag);
  const coarse = best;
  for (let lag = Math.max(0, coarse - step + 1); lag <= coarse + step - 1; lag++) consider(lag);
  const { correlation, newEnergy } = measure(best);
  if (!(newEnergy > 0)) return undefined;
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
