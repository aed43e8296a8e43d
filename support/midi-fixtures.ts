/**
 * MIDI files the MIDI-render tests write themselves with @tonejs/midi (no downloaded fixtures).
 */
import * as tonejsNs from '@tonejs/midi';

type MidiClass = typeof tonejsNs.Midi;
/** `@tonejs/midi` is CommonJS: Node's ESM loader exposes it as `default`. */
export const Midi: MidiClass =
  (tonejsNs as unknown as { Midi?: MidiClass }).Midi ?? (tonejsNs as unknown as { default: { Midi: MidiClass } }).default.Midi;

/** A note for `writeMidi`, in seconds at the file's constant tempo. */
export interface FixtureNote {
  pitch: number;
  startSec: number;
  durationSec: number;
  velocity?: number;
}

/** A track for `writeMidi`: 0-based MIDI channel (9 = drums), notes, optional CC64 events. */
export interface FixtureTrack {
  channel?: number;
  notes: FixtureNote[];
  pedal?: { timeSec: number; down: boolean }[];
}

/** A format-1 MIDI file at `bpm` (default 120) with the given tracks. */
export function writeMidi(tracks: FixtureTrack[], bpm = 120): Uint8Array {
  const midi = new Midi();
  midi.header.setTempo(bpm);
  for (const t of tracks) {
    const track = midi.addTrack();
    track.channel = t.channel ?? 0;
    for (const n of t.notes) track.addNote({ midi: n.pitch, time: n.startSec, duration: n.durationSec, velocity: n.velocity ?? 0.8 });
    for (const p of t.pedal ?? []) track.addCC({ number: 64, time: p.timeSec, value: p.down ? 1 : 0 });
  }
  return midi.toArray();
}
