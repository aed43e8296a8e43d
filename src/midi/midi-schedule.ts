/**
 * The performance of a MIDI render as voice-engine messages (src/shared/protocol.ts), and how a driver delivers
 * them: the Node VoiceEngine driver (src/node/midi-mix.ts) and the OfflineAudioContext worklet driver
 * (src/ui/midi-offline.ts) use the same stretches, so both make the same mix.
 */
import type { MidiNote } from './midi-notes.ts';
import type { PlannedNote, ScheduledMessage } from './types.ts';

/** The Web Audio render quantum: drivers deliver messages at multiples of it. */
export const QUANTUM_FRAMES = 128;
/** Most messages delivered ahead at once (the worklet's event queue holds 4,096). */
export const MAX_MESSAGES_PER_STRETCH = 1024;

/**
 * The performance as voice-engine messages, in delivery order. A `bank` message (not frame-timed in the protocol:
 * it applies on arrival, to new notes only) precedes each note-on whose pitch's buffer changes, so every note
 * plays its own render; `renderIndex` names the buffer (the driver turns it into samples). Velocity goes as MIDI
 * 1..127 (the worklet applies its gain curve); a note's end is its note-off (sustain already applied).
 */
export function scheduleMessages(notes: readonly PlannedNote[], sampleRateHz: number): ScheduledMessage[] {
  const events: (ScheduledMessage & { order: number })[] = [];
  const current = new Map<number, number>();
  const sorted = [...notes].sort((a, b) => a.startSec - b.startSec || a.pitch - b.pitch);
  sorted.forEach((n, i) => {
    const on = Math.round(n.startSec * sampleRateHz);
    const off = Math.max(on + 1, Math.round(n.endSec * sampleRateHz));
    if (current.get(n.pitch) !== n.renderIndex) {
      current.set(n.pitch, n.renderIndex);
      events.push({ atFrame: on, order: 3 * i, message: { type: 'bank', pitch: n.pitch, bankId: n.renderIndex, renderIndex: n.renderIndex, lastUse: false } });
    }
    const velocity = Math.max(1, Math.min(127, Math.round(n.velocity * 127)));
    events.push({ atFrame: on, order: 3 * i + 1, message: { type: 'noteOn', pitch: n.pitch, velocity, frame: on } });
    events.push({ atFrame: off, order: 3 * i + 2, message: { type: 'noteOff', pitch: n.pitch, frame: off } });
  });
  // Same frame: note-offs first (a repeated key releases the old voice before the new one starts).
  const rank = (m: ScheduledMessage['message']) => (m.type === 'noteOff' ? 0 : 1);
  events.sort((a, b) => a.atFrame - b.atFrame || rank(a.message) - rank(b.message) || a.order - b.order);
  const out: ScheduledMessage[] = events.map(({ atFrame, message }) => ({ atFrame, message }));
  const seen = new Set<number>();
  for (let i = out.length - 1; i >= 0; i--) {
    const m = out[i]!.message;
    if (m.type === 'bank' && !seen.has(m.renderIndex)) {
      seen.add(m.renderIndex);
      out[i] = { atFrame: out[i]!.atFrame, message: { ...m, lastUse: true } };
    }
  }
  return out;
}

/** Frames of the mix: last note end plus its release, plus one 128-frame quantum of slack. */
export function mixLengthFrames(notes: readonly MidiNote[], sampleRateHz: number, releaseSec: number): number {
  const endSec = notes.reduce((m, n) => Math.max(m, n.endSec), 0);
  return Math.ceil((endSec + releaseSec) * sampleRateHz) + 128;
}


/**
 * Groups the schedule into stretches starting at quantum frames: a driver renders up to a stretch's start, then
 * delivers its messages. A bank message (applied on arrival, to new notes) opens a new stretch, so it cannot
 * reach the engine before earlier notes of its pitch have started; long runs of note events are split so the
 * event queue never overflows.
 */
export function stretchesOf(schedule: readonly ScheduledMessage[]): { startFrame: number; items: ScheduledMessage[] }[] {
  const out: { startFrame: number; items: ScheduledMessage[] }[] = [];
  let cur: { startFrame: number; items: ScheduledMessage[] } = { startFrame: 0, items: [] };
  for (const e of schedule) {
    const q = Math.floor(e.atFrame / QUANTUM_FRAMES) * QUANTUM_FRAMES;
    const needsCut = (e.message.type === 'bank' || cur.items.length >= MAX_MESSAGES_PER_STRETCH) && q > cur.startFrame;
    if (needsCut) {
      out.push(cur);
      cur = { startFrame: q, items: [] };
    }
    cur.items.push(e);
  }
  out.push(cur);
  return out;
}
