/**
 * Bank swaps that never cancel (issue 12 §1): a held note crossfading to another render of its pitch keeps its level
 * whatever the phase of that render. The sender measures the phase offset and the residual correlation off the audio
 * thread (src/shared/swap-align.ts, the same call the page's controller makes); the voice reads the new buffer at that
 * offset and compensates the crossfade's level (src/worklet/swap-curve.ts). Renders are harmonic-rich (8 partials),
 * swapped at several points of the note: in the attack's wake, in the loop region, and after the loop has wrapped.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findLoopRegion } from '../../src/shared/loop.ts';
import type { BankMessage } from '../../src/shared/protocol.ts';
import { SeededRandom } from '../../src/shared/random.ts';
import { bankMessageFor, findSwapAlignment, type SwapSource } from '../../src/shared/swap-align.ts';
import { swapCompensation } from '../../src/worklet/swap-curve.ts';
import { RATE_HZ, makeEngine, maxJump, render, rmsDb, slopeBound, syntheticNote, type Partials } from './worklet-fixtures.ts';

const PITCH = 57; // A3, 220 Hz
const F0_HZ = 220;
const SWAP_FRAMES = Math.round(0.08 * RATE_HZ); // the default swapCrossfadeSec
const WINDOW_FRAMES = 480; // 10 ms: "short windows", ≈ 2 periods
const MAX_DIP_DB = 1.5;
/** A harmonic-rich timbre: [multiple, amplitude, phase]. */
const TIMBRE: Partials = [[1, 1, 0.3], [2, 0.7, 1.1], [3, 0.5, 2], [4, 0.35, 0.4], [5, 0.25, 2.9], [6, 0.2, 1.7], [7, 0.12, 0.2], [8, 0.1, 2.2]];
/** Swap points (s): just past the attack (before the loop region), in the loop region, late, and after a wrap. */
const SWAP_AT_SEC = [0.06, 0.3, 1.1, 2.7, 5.0];

/** Lowest RMS (dB) over sliding 10 ms windows of x[from, to). */
function minWindowDb(x: Float32Array, from: number, to: number): number {
  let worst = Infinity;
  for (let s = from; s + WINDOW_FRAMES <= to; s += 60) worst = Math.min(worst, rmsDb(x, s, s + WINDOW_FRAMES));
  return worst;
}

/**
 * Holds PITCH on `oldNote`, swaps to `newNote` at `atSec` (the message as the controller builds it, or without its
 * `swap` when `aligned` is false) and returns how far the level in the fade dips below the lower of the two steady
 * levels, in dB (≥ 0), plus the fade for click checks.
 */
function swapDip(oldNote: Float32Array, newNote: Float32Array, atSec: number, aligned = true): { dipDb: number; joined: Float32Array } {
  const { engine } = makeEngine({ attackSec: 0 });
  const first = bankMessageFor(PITCH, 1, oldNote, RATE_HZ);
  engine.handleMessage(first);
  engine.handleMessage({ type: 'noteOn', pitch: PITCH, velocity: 127, frame: 0 });
  const at = Math.round((atSec * RATE_HZ) / 128) * 128;
  const before = render(engine, at);
  const previous: SwapSource = { samples: oldNote, sampleRateHz: RATE_HZ, bankId: 1, loop: first.loop };
  const second: BankMessage = bankMessageFor(PITCH, 2, newNote, RATE_HZ, previous);
  assert.ok(second.swap, 'the controller’s message carries an alignment');
  const { swap: _unused, ...unaligned } = second;
  engine.handleMessage(aligned ? second : unaligned);
  const after = render(engine, 3 * SWAP_FRAMES);
  // Reference: the same windows over the steady level before the swap and after the fade (ripple cancels).
  const levelBefore = minWindowDb(before, Math.max(1000, at - 4800), at); // past the 10 ms attack
  const levelAfter = minWindowDb(after, 2 * SWAP_FRAMES, 3 * SWAP_FRAMES);
  const inFade = minWindowDb(after, 0, SWAP_FRAMES + WINDOW_FRAMES);
  const joined = new Float32Array(before.length + after.length);
  joined.set(before);
  joined.set(after, before.length);
  return { dipDb: Math.min(levelBefore, levelAfter) - inFade, joined };
}

const note = (partials: Partials, amplitude = 0.3) => syntheticNote(F0_HZ, { partials, amplitude });

describe('bank swap phase alignment', () => {
  test('findSwapAlignment recovers a known delay within one frame, and measures correlation and level', () => {
    const old = note(TIMBRE);
    for (const delayFrames of [0, 37, 150]) {
      const shifted = new Float32Array(old.length);
      for (let i = delayFrames; i < old.length; i++) shifted[i] = 0.5 * old[i - delayFrames]!; // −6 dB, same phase later
      const a = findSwapAlignment({ samples: old, sampleRateHz: RATE_HZ, bankId: 7, loop: findLoopRegion(old, RATE_HZ) }, shifted, RATE_HZ, PITCH)!;
      assert.equal(a.fromBankId, 7);
      assert.ok(Math.abs(a.offsetFrames - delayFrames) <= 1, `offset ${a.offsetFrames} for a delay of ${delayFrames}`);
      assert.ok(a.correlation > 0.99 && Math.abs(a.levelRatio - 0.5) < 0.01, JSON.stringify(a));
    }
    // Another rate: positions do not map frame for frame, so no alignment (the voice crossfades unaligned).
    const src: SwapSource = { samples: old, sampleRateHz: 16000, bankId: 1, loop: findLoopRegion(old, 16000) };
    assert.equal(findSwapAlignment(src, old, RATE_HZ, PITCH), undefined);
  });

  test('an opposite-phase render: the level never dips 1.5 dB at any swap point (unaligned, it cancels)', () => {
    const inverted = note(TIMBRE, -0.3); // every partial at +π: no time shift matches it exactly
    for (const atSec of SWAP_AT_SEC) {
      const { dipDb, joined } = swapDip(note(TIMBRE), inverted, atSec);
      assert.ok(dipDb <= MAX_DIP_DB, `swap at ${atSec} s dips ${dipDb.toFixed(2)} dB`);
      const at = Math.round((atSec * RATE_HZ) / 128) * 128;
      const bound = slopeBound(TIMBRE.map(([k, a]) => [k * F0_HZ, 0.3 * a * Math.SQRT2] as const));
      assert.ok(maxJump(joined, at - 1000, at + SWAP_FRAMES + 1000) <= bound, `no click at the swap at ${atSec} s`);
    }
    const { dipDb } = swapDip(note(TIMBRE), inverted, 1.1, false);
    assert.ok(dipDb > 10, `the test can see cancellation: unaligned, the fade dips ${dipDb.toFixed(1)} dB`);
  });

  test('random-phase renders (a random time shift; random phases per partial, softer): no 1.5 dB dip anywhere', () => {
    const rng = new SeededRandom(12);
    for (let trial = 0; trial < 4; trial++) {
      const theta = 2 * Math.PI * rng.next();
      const shifted = note(TIMBRE.map(([k, a, p]) => [k, a, p + k * theta] as const));
      const scrambled = note(TIMBRE.map(([k, a]) => [k, a, 2 * Math.PI * rng.next()] as const), 0.3 * (0.5 + rng.next()));
      for (const atSec of SWAP_AT_SEC) {
        for (const [name, newNote] of [['shifted', shifted], ['scrambled', scrambled]] as const) {
          const { dipDb } = swapDip(note(TIMBRE), newNote, atSec);
          assert.ok(dipDb <= MAX_DIP_DB, `trial ${trial}, ${name}, swap at ${atSec} s: dips ${dipDb.toFixed(2)} dB`);
        }
      }
    }
  });

  test('a chain of swaps (A → B → C, each aligned against the one before) keeps the level', () => {
    const rng = new SeededRandom(4);
    const renders = [0, 1, 2].map(() => note(TIMBRE.map(([k, a]) => [k, a, 2 * Math.PI * rng.next()] as const)));
    const { engine } = makeEngine({ attackSec: 0 });
    let previous: SwapSource | undefined;
    const out: Float32Array[] = [];
    for (const [i, samples] of renders.entries()) {
      const m = bankMessageFor(PITCH, i + 1, samples, RATE_HZ, previous);
      engine.handleMessage(m);
      if (i === 0) engine.handleMessage({ type: 'noteOn', pitch: PITCH, velocity: 127, frame: 0 });
      out.push(render(engine, RATE_HZ / 2));
      previous = { samples, sampleRateHz: RATE_HZ, bankId: i + 1, loop: m.loop };
    }
    const steady = Math.min(...out.map((x) => minWindowDb(x, RATE_HZ / 4, RATE_HZ / 2)));
    for (const [i, x] of out.entries()) {
      if (i === 0) continue;
      const dip = steady - minWindowDb(x, 0, SWAP_FRAMES + WINDOW_FRAMES);
      assert.ok(dip <= MAX_DIP_DB, `swap ${i} dips ${dip.toFixed(2)} dB`);
    }
  });

  test('the crossfade gain law: plain linear when the renders correlate, at most +3 dB, level kept for any ρ ≥ 0', () => {
    for (const t of [0, 0.25, 0.5, 1]) assert.equal(swapCompensation(t, 1, 1, 0.7), 1);
    assert.ok(Math.abs(swapCompensation(0.5, 1, 0, 1) - Math.SQRT2) < 1e-12);
    assert.ok(Math.abs(swapCompensation(0.5, 1, -1, 1) - Math.SQRT2) < 1e-12, 'negative correlation is clamped to 0');
    for (const rho of [0, 0.3, 0.8]) {
      for (const r of [0.5, 1, 2]) {
        for (const t of [0.1, 0.5, 0.9]) {
          const k = swapCompensation(t, 1, rho, r);
          const power = k * k * ((1 - t) ** 2 + (t * r) ** 2 + 2 * rho * (1 - t) * t * r);
          assert.ok(Math.abs(power - ((1 - t) + t * r) ** 2) < 1e-9, `ρ ${rho}, r ${r}, t ${t}`);
        }
      }
    }
  });

  test('all-sound-off in the middle of a swap crossfade silences both voices within 5 ms', () => {
    const { engine } = makeEngine();
    const first = bankMessageFor(PITCH, 1, note(TIMBRE), RATE_HZ);
    engine.handleMessage(first);
    engine.handleMessage({ type: 'noteOn', pitch: PITCH, velocity: 127, frame: 0 });
    render(engine, 12032);
    engine.handleMessage(bankMessageFor(PITCH, 2, note(TIMBRE, -0.3), RATE_HZ, { samples: note(TIMBRE), sampleRateHz: RATE_HZ, bankId: 1, loop: first.loop }));
    engine.handleMessage({ type: 'allSoundOff', frame: 12032 + 1000 }); // 1000 of the 3840 crossfade frames
    const out = render(engine, 1000 + 240 + 512);
    assert.ok(rmsDb(out, 0, 1000) > -20, 'sounding before');
    assert.equal(rmsDb(out, 1000 + 240), -Infinity, 'silent 240 frames (5 ms) after all-sound-off');
    assert.equal(engine.stats.activeVoices, 0);
  });

  test('the worklet does not scan samples; the sender refuses a non-finite buffer where it is made', () => {
    const bad = note(TIMBRE);
    bad[1234] = NaN;
    assert.throws(() => bankMessageFor(PITCH, 1, bad, RATE_HZ), /sample 1234 is not finite/);
    const { engine, messages } = makeEngine();
    const ok = bankMessageFor(PITCH, 1, note(TIMBRE), RATE_HZ);
    ok.samples[1234] = Infinity; // past the sender's check: the worklet accepts it (O(1) checks only)
    engine.handleMessage(ok);
    assert.deepEqual(messages, [{ type: 'bankAccepted', pitch: PITCH, bankId: 1 }]);
  });
});
