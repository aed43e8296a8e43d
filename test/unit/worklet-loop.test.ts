/**
 * Held notes longer than the buffer: findLoopRegion picks a steady, phase-matched region, and VoiceEngine keeps a
 * note held for 10 s at its level with no click at any loop crossfade.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MIN_LOOPABLE_SEC, findLoopRegion, loopRegionError } from '../../src/shared/loop.ts';
import { estimateF0Hz } from '../../src/shared/pitch.ts';
import { SeededRandom } from '../../src/shared/random.ts';
import { RATE_HZ, bankMessage, makeEngine, maxJump, render, rmsDb, slopeBound, syntheticNote, type Partials } from './worklet-fixtures.ts';

function correlation(x: Float32Array, a: number, b: number, n: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += x[a + i]! * x[b + i]!;
    aa += x[a + i]! ** 2;
    bb += x[b + i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('findLoopRegion', () => {
  test('a GANSynth-like note (attack, 3 s sustain, release) loops inside its sustain, phase-matched', () => {
    for (const [f0, partials] of [[440, [[1, 1, 0]]], [110, [[1, 1, 0], [2, 0.5, 1], [3, 0.3, 2]]], [61.7, [[1, 1, 0], [2, 0.7, 0.3]]]] as [number, Partials][]) {
      const note = syntheticNote(f0, { attackSec: 0.03, releaseSec: 0.8, partials });
      const loop = findLoopRegion(note, RATE_HZ);
      assert.equal(loopRegionError(loop, note.length), undefined);
      assert.ok(loop.startFrame >= 0.03 * RATE_HZ && loop.startFrame <= 0.25 * RATE_HZ, `start after the attack: ${JSON.stringify(loop)}`);
      assert.ok(loop.endFrame >= 3.1 * RATE_HZ && loop.endFrame <= 3.4 * RATE_HZ, `end before the release drops 1 dB: ${JSON.stringify(loop)}`);
      const c = correlation(note, loop.endFrame - loop.crossfadeFrames, loop.startFrame - loop.crossfadeFrames, loop.crossfadeFrames);
      assert.ok(c > 0.99, `crossfaded segments in phase (f0 ${f0}): correlation ${c}`);
    }
  });

  test('any buffer ≥ 0.1 s gets a valid region: silence, noise, fast decay, 16 kHz, the shortest', () => {
    const rng = new SeededRandom(3);
    const noise = Float32Array.from({ length: 48000 }, () => rng.normal() * 0.1);
    const decaying = Float32Array.from({ length: 96000 }, (_, i) => Math.exp(-i / 4800) * Math.sin(i * 0.05));
    const cases: [string, Float32Array, number][] = [
      ['silence', new Float32Array(64000), 16000],
      ['noise', noise, RATE_HZ],
      ['fast decay', decaying, RATE_HZ],
      ['16 kHz model note', syntheticNote(220, { rateHz: 16000 }), 16000],
      ['shortest', syntheticNote(220, { durationSec: MIN_LOOPABLE_SEC, attackSec: 0, releaseSec: 0.01 }), RATE_HZ],
    ];
    for (const [name, x, rate] of cases) {
      const loop = findLoopRegion(x, rate);
      assert.equal(loopRegionError(loop, x.length), undefined, `${name}: ${JSON.stringify(loop)}`);
      assert.ok(loop.endFrame - loop.startFrame >= Math.min(0.1 * rate, x.length / 2) - 2 * 0.025 * rate, `${name}: loop long enough`);
    }
  });

  test('bad input is refused with a clear message', () => {
    assert.throws(() => findLoopRegion(new Float32Array(100), RATE_HZ), /needs ≥ 0.1 s/);
    assert.throws(() => findLoopRegion(new Float32Array(48000), 0), /sampleRateHz/);
    const nan = new Float32Array(48000);
    nan[5] = NaN;
    assert.throws(() => findLoopRegion(nan, RATE_HZ), /sample 5 is not finite/);
  });
});

describe('held notes', () => {
  test('a note held 10 s keeps its level (±0.5 dB), its pitch, and never clicks at the loop crossfades', () => {
    const notes: [number, Partials][] = [
      [440, [[1, 1, 0]]],
      [110, [[1, 0.6, 0], [2, 0.3, 1], [3, 0.2, 2]]],
      [196, [[1, 0.7, 0], [2.37, 0.3, 0.5]]], // inharmonic: no loop length fits both partials, only the crossfade hides the seam
    ];
    for (const [f0, partials] of notes) {
      const { engine } = makeEngine();
      const note = syntheticNote(f0, { partials });
      engine.handleMessage(bankMessage(60, note));
      engine.handleMessage({ type: 'noteOn', pitch: 60, velocity: 127, frame: 0 });
      const out = render(engine, 10 * RATE_HZ);
      const reference = rmsDb(out, RATE_HZ / 4, RATE_HZ / 2);
      for (let t = 0.5; t < 10; t += 0.25) {
        const level = rmsDb(out, t * RATE_HZ, (t + 0.25) * RATE_HZ);
        assert.ok(Math.abs(level - reference) < 0.5, `f0 ${f0}: level at ${t} s ${level.toFixed(2)} dB vs ${reference.toFixed(2)} dB`);
      }
      if (partials.every(([k]) => Number.isInteger(k))) {
        // (an inharmonic sound has no single f0 for YIN to find)
        const f0At9s = estimateF0Hz(out, RATE_HZ, { start: 9 * RATE_HZ, windowSamples: 4096, minHz: 50 });
        assert.ok(Math.abs(f0At9s / f0 - 1) < 0.005, `f0 at 9 s ${f0At9s}`);
      }
      const bound = slopeBound(partials.map(([k, a]) => [k * f0, 0.5 * a] as const));
      assert.ok(maxJump(out) <= 1.05 * bound, `f0 ${f0}: max jump ${maxJump(out)} vs slope bound ${bound}`);
    }
  });

  test('a decaying note held 10 s settles at its loop level instead of fading out; release still ends in silence', () => {
    const { engine } = makeEngine();
    const decaying = Float32Array.from({ length: 4 * RATE_HZ }, (_, i) => 0.5 * 10 ** (-(6 * i) / RATE_HZ / 20) * Math.sin((2 * Math.PI * 220 * i) / RATE_HZ));
    const bank = bankMessage(57, decaying);
    engine.handleMessage(bank);
    engine.handleMessage({ type: 'noteOn', pitch: 57, velocity: 127, frame: 0 });
    engine.handleMessage({ type: 'noteOff', pitch: 57, frame: 10 * RATE_HZ });
    const out = render(engine, 10.5 * RATE_HZ);
    const loopLevel = rmsDb(decaying, bank.loop.startFrame, bank.loop.endFrame);
    const late = rmsDb(out, 9 * RATE_HZ, 10 * RATE_HZ);
    assert.ok(Math.abs(late - loopLevel) < 2, `level at 9–10 s ${late.toFixed(2)} dB ≈ loop level ${loopLevel.toFixed(2)} dB`);
    assert.ok(rmsDb(out, Math.round(10.3 * RATE_HZ) + 10) === -Infinity, 'silent after the release');
    assert.ok(maxJump(out) <= 1.05 * slopeBound([[220, 0.5]]));
  });
});
