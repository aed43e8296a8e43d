/**
 * The morph as an instrument, its pure pieces: the XY pad's interpolation (spherical between four corners), the
 * preset bank's two morphs and pad corners, MIDI controls (CC1/CC2 defaults, learn, button edges), the saved bank
 * file (bindings and corners kept; version 1 files still load), and the render scheduler under a 10 s sweep in
 * virtual time (bounded starts, a bounded queue, the last position's bank completes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateLatentsXY, lerp, randomLatent, slerp } from '../../src/engine/latent.ts';
import { loadPresetBank, savePresetBank } from '../../src/engine/presets.ts';
import { loadPresetBankFile, savePresetBankFile } from '../../src/ui/bank-file.ts';
import { DEFAULT_CONTROL_BINDINGS, MidiControls, validateControlBindings } from '../../src/ui/midi-controls.ts';
import { PresetBankState } from '../../src/ui/preset-bank.ts';
import { RenderScheduler } from '../../src/ui/render-scheduler.ts';

const norm = (z: Float32Array) => Math.sqrt(z.reduce((a, v) => a + v * v, 0));
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

test('XY interpolation: corners exact, edges are the slider’s slerp, the norm holds where bilinear shrinks it', () => {
  const c = [1, 2, 3, 4].map((s) => randomLatent(s));
  assert.deepEqual(interpolateLatentsXY(c, 0, 0), c[0]);
  assert.ok(maxDiff(interpolateLatentsXY(c, 1, 0), c[1]!) < 1e-6);
  assert.ok(maxDiff(interpolateLatentsXY(c, 0, 1), c[2]!) < 1e-6);
  assert.ok(maxDiff(interpolateLatentsXY(c, 1, 1), c[3]!) < 1e-6);
  assert.ok(maxDiff(interpolateLatentsXY(c, 0.3, 0), slerp(c[0]!, c[1]!, 0.3)) < 1e-6, 'bottom edge');
  assert.ok(maxDiff(interpolateLatentsXY(c, 0, 0.7), slerp(c[0]!, c[2]!, 0.7)) < 1e-6, 'left edge');
  const cornerNorm = c.map(norm).reduce((a, b) => a + b) / 4;
  const centre = norm(interpolateLatentsXY(c, 0.5, 0.5));
  const bilinear = norm(lerp(lerp(c[0]!, c[1]!, 0.5), lerp(c[2]!, c[3]!, 0.5), 0.5));
  console.log(`# corner norm ${cornerNorm.toFixed(2)}, centre: spherical ${centre.toFixed(2)}, bilinear ${bilinear.toFixed(2)}`);
  assert.ok(Math.abs(centre / cornerNorm - 1) < 0.05, `spherical keeps the norm (${centre} vs ${cornerNorm})`);
  assert.ok(bilinear / cornerNorm < 0.6, `bilinear would shrink it (${bilinear})`);
  assert.deepEqual(interpolateLatentsXY(c, -1, 2), interpolateLatentsXY(c, 0, 1), 'clamped');
  assert.throws(() => interpolateLatentsXY(c.slice(0, 3), 0, 0), /need 4 corners/);
  assert.throws(() => interpolateLatentsXY(c, Number.NaN, 0), /finite/);
});

test('preset bank: the pad and the slider, the one moved last sounds; corners follow edits; step wraps', () => {
  const bank = new PresetBankState();
  assert.deepEqual(bank.corners, [0, 1, 2, 3]);
  bank.xy = { x: 1, y: 1 };
  assert.equal(bank.morph, 'xy');
  assert.equal(bank.selected, 3, 'top right corner is preset 3');
  bank.corners = [3, 2, 1, 0];
  assert.equal(bank.selected, 0);
  assert.deepEqual(bank.latent(), randomLatent(1));
  bank.xy = { x: 0.25, y: 0.6 };
  assert.equal(bank.selected, -1);
  const corners = [3, 2, 1, 0].map((i) => randomLatent(i + 1));
  assert.deepEqual(bank.latent(), interpolateLatentsXY(corners, 0.25, 0.6));
  bank.position = 1 / 3;
  assert.equal(bank.morph, 'path');
  assert.equal(bank.selected, 1);
  assert.deepEqual(bank.xy, { x: 0.25, y: 0.6 }, 'the pad keeps its place');
  assert.throws(() => (bank.corners = [0, 1, 2, 4]), /4 preset indices 0\.\.3/);
  assert.throws(() => (bank.position = Number.NaN), /finite/);
  bank.remove(1); // corners [3, 2, 1, 0] → presets shift down; the corner on the removed one takes the one before
  assert.deepEqual(bank.corners, [2, 1, 0, 0]);
  assert.equal(bank.selected, 0, 'the preset before the removed one sounds');
  assert.equal(bank.step(2), 2);
  assert.equal(bank.step(1), 0, 'wraps');
  assert.equal(bank.step(-1), 2, 'wraps back');
  bank.position = 0.4;
  assert.equal(bank.step(1), 2, 'from a morph: from the nearest preset on the path');
  const two = new PresetBankState([{ name: 'a', latent: { seed: 1 } }, { name: 'b', latent: { seed: 2 } }]);
  assert.deepEqual(two.corners, [0, 1, 0, 1], 'a small bank repeats its presets at the corners');
});

test('MIDI controls: CC1 → morph X, CC2 → morph Y; learn binds the next controller; buttons step on the way up', () => {
  const m = new MidiControls();
  assert.deepEqual(m.bindings, DEFAULT_CONTROL_BINDINGS);
  assert.deepEqual(m.handle(1, 127), { kind: 'morphX', value: 1 });
  assert.deepEqual(m.handle(2, 0), { kind: 'morphY', value: 0 });
  assert.equal(m.handle(20, 127), undefined, 'unbound');
  m.arm('presetNext');
  assert.deepEqual(m.handle(20, 127), { kind: 'learned', target: 'presetNext', controller: 20 });
  assert.equal(m.armed, undefined);
  assert.equal(m.handle(20, 100), undefined, 'still held: no second step');
  m.handle(20, 0);
  assert.deepEqual(m.handle(20, 127), { kind: 'presetStep', delta: 1 });
  m.arm('presetPrevious');
  m.handle(1, 64); // the mod wheel moves to "previous preset": morph X loses it
  assert.deepEqual(m.bindings, { morphY: 2, presetNext: 20, presetPrevious: 1 });
  assert.equal(m.handle(1, 10), undefined);
  assert.deepEqual(m.handle(1, 70), { kind: 'presetStep', delta: -1 });
  assert.throws(() => validateControlBindings({ morphX: 64 }), /CC64, which has a fixed meaning/);
  assert.throws(() => validateControlBindings({ morphX: 3, morphY: 3 }), /CC3 is bound twice/);
  assert.throws(() => validateControlBindings({ wobble: 3 }), /unknown target "wobble"/);
  assert.throws(() => validateControlBindings({ morphX: 128 }), /0\.\.127/);
  assert.throws(() => m.arm('wobble' as never), /unknown MIDI learn target/);
});

test('bank file: bindings and pad corners saved with the presets; version 1 files (a bare array) still load', () => {
  const presets = [1, 2, 3, 4, 5].map((seed) => ({ name: `s${seed}`, latent: { seed } }));
  const text = savePresetBankFile({ presets, midiBindings: { morphX: 74, presetNext: 20 }, padCorners: [4, 3, 2, 1] });
  assert.match(text, /"format": "gansynth-web preset bank"/);
  assert.deepEqual(loadPresetBankFile(text), { presets, midiBindings: { morphX: 74, presetNext: 20 }, padCorners: [4, 3, 2, 1] });
  assert.deepEqual(loadPresetBank(text), presets, 'the CLI reads the new file');
  const v1 = `${JSON.stringify(presets, null, 2)}\n`; // what savePresetBank wrote before version 2
  assert.deepEqual(loadPresetBankFile(v1), { presets });
  assert.deepEqual(loadPresetBank(v1), presets);
  assert.deepEqual(loadPresetBankFile(savePresetBank(presets)), { presets });
  const bad = (instrument: unknown) => JSON.stringify({ format: 'gansynth-web preset bank', version: 2, presets, instrument });
  assert.throws(() => loadPresetBankFile(bad({ midiBindings: { morphX: 64 } })), /invalid preset bank: .*CC64/);
  assert.throws(() => loadPresetBankFile(bad({ padCorners: [0, 1, 2, 5] })), /invalid preset bank: .*corners must be 4 preset indices 0\.\.4/);
  assert.throws(() => loadPresetBankFile(bad(3)), /"instrument" must be an object/);
  assert.throws(() => loadPresetBank(JSON.stringify({ format: 'gansynth-web preset bank', version: 3, presets })), /version 3 is newer/);
  assert.throws(() => loadPresetBank('{"presets": []}'), /must be an array of presets or a "gansynth-web preset bank" file/);
});

/** Virtual time: timers in a queue, microtasks flushed between them. */
class VirtualClock {
  nowMs = 0;
  private queue: { at: number; seq: number; f: () => void }[] = [];
  private seq = 0;
  setTimer = (f: () => void, ms: number): unknown => {
    const item = { at: this.nowMs + Math.max(0, ms), seq: this.seq++, f };
    this.queue.push(item);
    return item;
  };
  clearTimer = (h: unknown): void => {
    this.queue = this.queue.filter((q) => q !== h);
  };
  async runUntil(endMs: number): Promise<void> {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.queue[0];
      if (!next || next.at > endMs) break;
      this.queue.shift();
      this.nowMs = next.at;
      next.f();
    }
    this.nowMs = Math.max(this.nowMs, endMs);
  }
}

/**
 * A 10 s morph sweep (a move every 16 ms) over a renderer that delivers a note every `noteMs` (8 notes a bank),
 * stops a superseded render at its next note boundary and starts the next render only then, as NoteRenderer does
 * (it aborts between batches, one render at a time).
 */
async function sweep(noteMs: number) {
  const clock = new VirtualClock();
  let position = 0;
  let generation = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const starts: { atMs: number; position: number; afterFirstNote: boolean }[] = [];
  const completed: number[] = [];
  let newestDelivered = true;
  let rendererFree: Promise<void> = Promise.resolve();
  const scheduler: RenderScheduler = new RenderScheduler({
    nowMs: () => clock.nowMs, setTimer: clock.setTimer, clearTimer: clock.clearTimer,
    render: () => {
      const id = ++generation;
      const pos = position;
      starts.push({ atMs: clock.nowMs, position: pos, afterFirstNote: newestDelivered });
      newestDelivered = false;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      const previous = rendererFree;
      const done = new Promise<boolean>((resolve) => {
        let notes = 0;
        const step = () => {
          if (id !== generation) return inFlight--, resolve(false);
          notes++;
          newestDelivered = true;
          scheduler.noteDelivered();
          if (notes === 8) return inFlight--, completed.push(pos), resolve(true);
          clock.setTimer(step, noteMs);
        };
        void previous.then(() => clock.setTimer(step, noteMs));
      });
      rendererFree = done.then(() => undefined);
      return done;
    },
  });
  for (let t = 0; t <= 10_000; t += 16) {
    clock.setTimer(() => {
      position = t / 10_000;
      scheduler.requestMorph();
    }, t);
  }
  await clock.runUntil(60_000);
  return { starts, completed, maxInFlight, finalPosition: position };
}

test('render scheduler: a 10 s sweep starts renders at a bounded rate, the queue stays bounded, the last position completes', async () => {
  for (const noteMs of [10, 60, 400]) {
    const r = await sweep(noteMs);
    const gaps = r.starts.slice(1).map((s, i) => s.atMs - r.starts[i]!.atMs);
    console.log(`# note every ${noteMs} ms: ${r.starts.length} renders in the sweep, shortest gap ${Math.min(...gaps)} ms, queue ≤ ${r.maxInFlight}, ${r.completed.length} completed`);
    assert.ok(r.starts.length <= 10_000 / 100 + 2, `at most 10 renders a second (${r.starts.length})`);
    assert.ok(Math.min(...gaps) >= 100, 'starts at least 100 ms apart');
    assert.ok(r.starts.every((s) => s.afterFirstNote), 'never supersedes a render before its first note');
    assert.ok(r.maxInFlight <= 2, `queue: the running render and one being stopped (${r.maxInFlight})`);
    assert.equal(r.finalPosition, 1);
    assert.equal(r.starts.at(-1)!.position, 1, 'the last render is of the last position');
    assert.equal(r.completed.at(-1), 1, 'and its bank completes');
    if (noteMs >= 400) assert.ok(Math.min(...gaps) >= noteMs, 'a slow renderer sets the pace (first note first)');
  }
});

test('render scheduler: a preset change renders at once and drops a morph render still waiting; a move inside the interval renders after it', async () => {
  const clock = new VirtualClock();
  const calls: string[] = [];
  let what = 'morph';
  const s = new RenderScheduler({
    nowMs: () => clock.nowMs, setTimer: clock.setTimer, clearTimer: clock.clearTimer,
    render: () => (calls.push(`${what}@${clock.nowMs}`), Promise.resolve(true)),
  });
  s.requestMorph(); // starts at once (nothing ran before)
  await clock.runUntil(10);
  s.requestMorph(); // waits for 100 ms after the first start
  what = 'preset';
  await s.renderNow();
  await clock.runUntil(500);
  assert.deepEqual(calls, ['morph@0', 'preset@10']);
  // A move inside the interval is not dropped: it renders when the interval is over.
  what = 'morph';
  s.requestMorph();
  await clock.runUntil(510);
  s.requestMorph();
  await clock.runUntil(2000);
  assert.deepEqual(calls, ['morph@0', 'preset@10', 'morph@500', 'morph@600']);
});
