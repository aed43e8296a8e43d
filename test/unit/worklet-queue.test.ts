/**
 * The worklet's event queue under hosts that schedule far ahead (VoiceEngine driven in Node): scheduled events wait
 * in a queue that grows instead of pushing out live ones, a note-off is never dropped (so no note sounds forever),
 * and past MAX_QUEUED_EVENTS the refused note-ons are counted and reported once, not per event.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_QUEUED_EVENTS, type FromWorklet } from '../../src/shared/protocol.ts';
import { SeededRandom } from '../../src/shared/random.ts';
import { EventQueue } from '../../src/worklet/event-queue.ts';
import { RATE_HZ, bankMessage, makeEngine, render, rmsDb, syntheticNote } from './worklet-fixtures.ts';

const FAR_FRAME = 10 * RATE_HZ; // scheduled notes start 10 s ahead
const errorsOf = (messages: FromWorklet[]) => messages.filter((m) => m.type === 'error');

test('2,047 notes scheduled ahead, then live legato: every live note-off applies, nothing is dropped or stuck', () => {
  const { engine, messages } = makeEngine({ releaseSec: 0.05 });
  for (const p of [60, 62, 64, 65, 67]) engine.handleMessage(bankMessage(p, syntheticNote(261.63 * 2 ** ((p - 60) / 12))));
  for (let i = 0; i < 2047; i++) {
    engine.handleMessage({ type: 'noteOn', pitch: 72, velocity: 90, frame: FAR_FRAME + i * 4800 });
    engine.handleMessage({ type: 'noteOff', pitch: 72, frame: FAR_FRAME + i * 4800 + 2400 });
  }
  engine.handleMessage({ type: 'pitchBend', value: 0, frame: FAR_FRAME }); // 4,095 events wait
  // Legato: each key goes down, then the previous one comes up, within one quantum, as a player's hand does.
  const keys = [60, 62, 64, 65, 67, 65, 64, 62, 60];
  for (const [k, pitch] of keys.entries()) {
    engine.handleMessage({ type: 'noteOn', pitch, velocity: 100 });
    if (k > 0) engine.handleMessage({ type: 'noteOff', pitch: keys[k - 1]! });
    render(engine, 2560);
  }
  engine.handleMessage({ type: 'noteOff', pitch: keys.at(-1)! });
  render(engine, 0.2 * RATE_HZ);
  assert.deepEqual(errorsOf(messages), []);
  assert.equal(engine.stats.droppedEvents, 0);
  assert.deepEqual(engine.describeVoices(), [], 'every live note was released and has died away');
  assert.equal(rmsDb(render(engine, 2 * 1280)), -Infinity);
  assert.equal(engine.stats.queuedEvents, 2 * 2047 + 1, 'the scheduled events still wait for their frames');
});

test('50,000 scheduled events: every one of them applies, in order, none dropped', () => {
  const { engine, messages } = makeEngine();
  // Pitch 30 has no buffer: each applied note-on is counted in notesWithoutBank, and nothing needs rendering.
  for (let i = 0; i < 25_000; i++) {
    engine.handleMessage({ type: 'noteOn', pitch: 30, velocity: 100, frame: 1000 + i * 64 });
    engine.handleMessage({ type: 'noteOff', pitch: 30, frame: 1000 + i * 64 + 32 });
  }
  assert.equal(engine.stats.queuedEvents, 50_000);
  render(engine, 1000 + 25_000 * 64 + 128);
  assert.equal(engine.stats.notesWithoutBank, 25_000);
  assert.equal(engine.stats.queuedEvents, 0);
  assert.equal(engine.stats.droppedEvents, 0);
  assert.deepEqual(errorsOf(messages), []);
});

test(`past ${MAX_QUEUED_EVENTS} waiting events: note-ons are refused, counted and reported once; note-offs still get in`, () => {
  const { engine, messages } = makeEngine({ releaseSec: 0.05 });
  engine.handleMessage(bankMessage(60, syntheticNote(261.63)));
  engine.handleMessage({ type: 'noteOn', pitch: 60, velocity: 100 });
  render(engine, 1280);
  assert.equal(engine.describeVoices()[0]?.stage, 'Hold');
  for (let i = 0; i < MAX_QUEUED_EVENTS; i++) engine.handleMessage({ type: 'noteOn', pitch: 30, velocity: 1, frame: FAR_FRAME + i });
  assert.deepEqual(errorsOf(messages), []);
  for (let i = 0; i < 1000; i++) engine.handleMessage({ type: 'noteOn', pitch: 31, velocity: 1, frame: FAR_FRAME });
  engine.handleMessage({ type: 'sustain', down: true });
  engine.handleMessage({ type: 'sustain', down: false });
  engine.handleMessage({ type: 'noteOff', pitch: 60 });
  assert.equal(engine.stats.droppedEvents, 1001, 'the note-ons and the pedal-down, not the pedal-up nor the note-off');
  assert.equal(engine.stats.queuedEvents, MAX_QUEUED_EVENTS + 2);
  const errors = errorsOf(messages);
  assert.equal(errors.length, 1, 'one report, not one per event');
  assert.match((errors[0] as { message: string }).message, new RegExp(`^event queue full \\(${MAX_QUEUED_EVENTS} events waiting\\): noteOn dropped; note-offs are never dropped; schedule fewer events ahead`));
  render(engine, 0.2 * RATE_HZ);
  assert.deepEqual(engine.describeVoices(), [], 'the live note was released');
  // A second report comes only after a second of audio, counting every event refused since the first (1000 + 10 + 1).
  for (let i = 0; i < 10; i++) engine.handleMessage({ type: 'noteOn', pitch: 31, velocity: 1, frame: FAR_FRAME });
  assert.equal(errorsOf(messages).length, 1);
  render(engine, RATE_HZ);
  engine.handleMessage({ type: 'pitchBend', value: 0.5 });
  const later = errorsOf(messages);
  assert.equal(later.length, 2);
  assert.match((later[1] as { message: string }).message, /pitchBend dropped; 1011 events dropped since the last report/);
});

test('EventQueue grows from its initial size up to its maximum and keeps (frame, arrival) order across the wrap', () => {
  const rng = new SeededRandom(9);
  const q = new EventQueue(8, 4096);
  const expected: [number, number][] = [];
  let serial = 0;
  // Interleave pushes (early, late and equal frames) with pops so the head wraps around the ring while it grows.
  for (let round = 0; round < 200; round++) {
    for (let k = 0; k < 12; k++) {
      const frame = round * 10 + rng.nextInt(40) - (k % 3 === 0 ? 5 : 0);
      assert.ok(q.push(1, frame, serial, 0));
      expected.push([frame, serial++]);
    }
    expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let k = 0; k < 10; k++) {
      assert.deepEqual([q.frames[q.head], q.as[q.head]], expected.shift());
      q.pop();
    }
  }
  assert.equal(q.size, expected.length);
  assert.ok(q.capacity >= q.size && q.capacity <= 4096);
  const full = new EventQueue(4, 16);
  for (let i = 0; i < 16; i++) assert.ok(full.push(2, i, i, 0));
  assert.equal(full.push(2, 0, 0, 0), false, 'at its maximum it refuses');
  assert.equal(full.capacity, 16);
});
