/**
 * Fair voice stealing (issue 12 §2), one test per rule of src/worklet/voice-pool.ts, VoiceEngine driven frame by
 * frame: released voices go first, the quietest by level (envelope × velocity gain); then the oldest held (by key or
 * pedal); never a voice younger than 50 ms while another can go, to the frame; all young: the same order among them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MIN_STEAL_AGE_SEC } from '../../src/worklet/voice-pool.ts';
import { RATE_HZ, bankMessage, makeEngine, render, syntheticNote } from './worklet-fixtures.ts';

const AGE_FRAMES = Math.round(MIN_STEAL_AGE_SEC * RATE_HZ); // 2400

/**
 * An engine with `polyphony` voices and a buffer for pitches 60..72; `stages()` maps pitch → stage, `stolen()` lists
 * the voices fading after a steal (for 5 ms: render() runs whole 128-frame quanta, so look within that).
 */
function setup(polyphony: number) {
  const { engine } = makeEngine({ polyphony });
  for (let p = 60; p <= 72; p++) engine.handleMessage(bankMessage(p, syntheticNote(440 * 2 ** ((p - 69) / 12), { amplitude: 0.1 })));
  const stages = () => Object.fromEntries(engine.describeVoices().map((v) => [v.pitch, v.stage]));
  const stolen = () => engine.describeVoices().filter((v) => v.stage === 'Fade').map((v) => v.pitch);
  return { engine, stages, stolen };
}

describe('voice stealing', () => {
  test('released voices go first, the quietest by level (envelope × velocity gain), not by envelope alone', () => {
    const { engine, stolen } = setup(4);
    engine.handleMessage({ type: 'noteOn', pitch: 60, velocity: 100, frame: 0 });
    engine.handleMessage({ type: 'noteOn', pitch: 61, velocity: 127, frame: 0 });
    engine.handleMessage({ type: 'noteOn', pitch: 62, velocity: 40, frame: 0 });
    engine.handleMessage({ type: 'noteOn', pitch: 63, velocity: 100, frame: 0 });
    engine.handleMessage({ type: 'noteOff', pitch: 61, frame: 4000 }); // loud, released early: envelope 0.72 at 8000
    engine.handleMessage({ type: 'noteOff', pitch: 62, frame: 6000 }); // soft, released later: 0.86 × (40/127)² ≈ 0.09
    engine.handleMessage({ type: 'noteOn', pitch: 64, velocity: 100, frame: 8000 });
    engine.handleMessage({ type: 'noteOn', pitch: 65, velocity: 100, frame: 8100 });
    render(engine, 8001);
    assert.deepEqual(stolen(), [62], 'the quieter released note, though its envelope is higher');
    render(engine, 100); // within the 5 ms fade of 62
    assert.deepEqual(stolen().sort(), [61, 62], 'then the other released note, before any held one');
    assert.equal(engine.stats.stolenVoices, 2);
  });

  test('then the oldest held voice, whether its key or a pedal holds it', () => {
    const { engine, stages } = setup(4);
    engine.handleMessage({ type: 'sustain', down: true, frame: 0 });
    engine.handleMessage({ type: 'noteOn', pitch: 60, velocity: 100, frame: 0 }); // oldest, then pedal-held only
    engine.handleMessage({ type: 'noteOn', pitch: 61, velocity: 100, frame: 100 });
    engine.handleMessage({ type: 'noteOn', pitch: 62, velocity: 100, frame: 200 });
    engine.handleMessage({ type: 'noteOn', pitch: 63, velocity: 100, frame: 300 });
    engine.handleMessage({ type: 'noteOff', pitch: 60, frame: 400 });
    engine.handleMessage({ type: 'noteOn', pitch: 64, velocity: 100, frame: 10000 });
    engine.handleMessage({ type: 'noteOn', pitch: 65, velocity: 100, frame: 10100 });
    render(engine, 10101);
    assert.deepEqual(stages(), { 60: 'Fade', 61: 'Fade', 62: 'Hold', 63: 'Hold', 64: 'Hold', 65: 'Attack' });
  });

  test('never a voice younger than 50 ms while an older one can go, to the frame', () => {
    // 61 is played and released at once (a grace note): the quietest released voice, but young. The next note-on
    // takes the oldest held note (60) unless 61 is at least 2400 frames old by then.
    const run = (noteOnFrame: number) => {
      const { engine, stolen } = setup(2);
      engine.handleMessage({ type: 'noteOn', pitch: 60, velocity: 100, frame: 0 });
      engine.handleMessage({ type: 'noteOn', pitch: 61, velocity: 30, frame: 10000 });
      engine.handleMessage({ type: 'noteOff', pitch: 61, frame: 10100 });
      engine.handleMessage({ type: 'noteOn', pitch: 62, velocity: 100, frame: noteOnFrame });
      render(engine, noteOnFrame + 1);
      return stolen();
    };
    assert.deepEqual(run(10000 + AGE_FRAMES - 1), [60], 'at 2399 frames, the released note is still protected');
    assert.deepEqual(run(10000 + AGE_FRAMES), [61], 'at 2400 frames (50 ms) it goes first, being released');
    // Held voices are protected the same way: the young held 61 survives, the old held 60 goes.
    const { engine, stolen } = setup(2);
    engine.handleMessage({ type: 'noteOn', pitch: 61, velocity: 100, frame: 10000 });
    engine.handleMessage({ type: 'noteOn', pitch: 60, velocity: 100, frame: 0 }); // arrives later, plays earlier: older
    engine.handleMessage({ type: 'noteOn', pitch: 62, velocity: 100, frame: 10500 });
    render(engine, 10501);
    assert.deepEqual(stolen(), [60]);
  });

  test('when every voice is younger than 50 ms (a fast strum), released first, then the oldest', () => {
    const { engine, stolen, stages } = setup(3);
    for (const [i, p] of [60, 61, 62].entries()) engine.handleMessage({ type: 'noteOn', pitch: p, velocity: 100, frame: 1000 + 200 * i });
    engine.handleMessage({ type: 'noteOff', pitch: 61, frame: 1500 });
    engine.handleMessage({ type: 'noteOn', pitch: 63, velocity: 100, frame: 1800 });
    engine.handleMessage({ type: 'noteOn', pitch: 64, velocity: 100, frame: 2000 });
    render(engine, 1920); // whole quanta: past 1800, not yet 2000
    assert.deepEqual(stolen(), [61], 'the released 61 first');
    render(engine, 128);
    assert.deepEqual(stolen(), [60], 'then the oldest held, 60');
    assert.deepEqual(stages(), { 60: 'Fade', 62: 'Hold', 63: 'Hold', 64: 'Attack' });
  });
});
