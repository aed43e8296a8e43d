/**
 * Turns MIDI channel messages into instrument actions: note on/off with velocity, the pedals (CC64 sustain, CC66
 * sostenuto, CC67 soft), pitch bend, RPN 0 (pitch-bend range), the channel mode messages (CC120 all sound off,
 * CC121 reset all controllers, CC123–127 all notes off) and program change. Every other controller is assignable
 * (the morph and MIDI learn, midi-controls.ts). Pure (no Web MIDI, no DOM) so Node tests feed it raw bytes;
 * `midi-input.ts` connects it to webmidi.
 */
import { pitchBendFrom14Bit } from '../shared/protocol.ts';

/**
 * What the dispatcher drives (the AudioEngineController implements it). `timeSec`: when to apply it on the
 * AudioContext clock (see midi-clock.ts); undefined = now.
 */
export interface MidiSink {
  /** `velocity`: MIDI 1..127. */
  noteOn(pitch: number, velocity: number, timeSec?: number): void;
  noteOff(pitch: number, timeSec?: number): void;
  sustain(down: boolean, timeSec?: number): void;
  /** CC66: notes held when it goes down keep sounding after their key is up, until it comes up. */
  sostenuto(down: boolean, timeSec?: number): void;
  /** CC67: softer and darker while down. */
  softPedal(down: boolean, timeSec?: number): void;
  /** `value` in [-1, 1] (0 = centre). */
  pitchBend(value: number, timeSec?: number): void;
  /** Bend range set by RPN 0, in semitones (cents folded in). */
  bendRange(semitones: number, timeSec?: number): void;
  /** CC120. */
  allSoundOff(timeSec?: number): void;
  /** CC123, and the mode messages CC124–127 (which imply it). */
  allNotesOff(timeSec?: number): void;
  /** CC121: pedals up, bend centred (RP-015: the bend range and the morph stay). */
  resetControllers(timeSec?: number): void;
  /**
   * A controller without a fixed meaning here (the mod wheel CC1 among them), raw `value` 0..127: the morph and
   * MIDI learn map it (midi-controls.ts). Not timed: it re-renders.
   */
  assignableControl(controller: number, value: number): void;
  /** Program change, `program` 0..127 as sent (the first program is 0). */
  programChange(program: number): void;
}

/**
 * Controllers with a fixed meaning, which never reach {@link MidiSink.assignableControl} (so MIDI learn cannot take
 * them): bank select (0, 32: ignored), data entry (6, 38) and increment (96, 97: ignored), the pedals (64, 66, 67),
 * NRPN / RPN selection (98–101) and the channel mode messages (120–127).
 */
export const FIXED_CONTROLLERS: ReadonlySet<number> = new Set([0, 6, 32, 38, 64, 66, 67, 96, 97, 98, 99, 100, 101, 120, 121, 122, 123, 124, 125, 126, 127]);

/** Channel filter: 0 listens to all channels (omni), 1..16 to one. */
export type MidiChannel = number;

/**
 * Stateful per-channel parser (RPN needs the CC101/100 selection that came before the data entry).
 * Call {@link handle} with a message's bytes.
 */
export class MidiDispatcher {
  /** 0 = omni, else 1..16. */
  channel: MidiChannel = 0;
  private readonly rpn = new Map<number, { msb: number; lsb: number; semitones: number; cents: number }>();

  constructor(private readonly sink: MidiSink) {}

  /** Handles one complete MIDI message (status byte first), applied at `timeSec` (undefined = now). Ignores system and filtered messages. */
  handle(bytes: ArrayLike<number>, timeSec?: number): void {
    if (bytes.length < 2) return;
    const status = bytes[0]!;
    if (status < 0x80 || status >= 0xf0) return;
    const command = status >> 4;
    const channel = (status & 0x0f) + 1;
    if (this.channel !== 0 && channel !== this.channel) return;
    const d1 = bytes[1]! & 0x7f;
    const d2 = (bytes.length > 2 ? bytes[2]! : 0) & 0x7f;
    switch (command) {
      case 0x9:
        // Running-status keyboards send note-on with velocity 0 as note-off.
        if (d2 === 0) this.sink.noteOff(d1, timeSec);
        else this.sink.noteOn(d1, d2, timeSec);
        return;
      case 0x8:
        this.sink.noteOff(d1, timeSec);
        return;
      case 0xe: {
        this.sink.pitchBend(pitchBendFrom14Bit((d2 << 7) | d1), timeSec);
        return;
      }
      case 0xb:
        this.controlChange(channel, d1, d2, timeSec);
        return;
      case 0xc:
        this.sink.programChange(d1);
        return;
      default:
        return;
    }
  }

  private controlChange(channel: number, controller: number, value: number, timeSec: number | undefined): void {
    const st = this.rpn.get(channel) ?? { msb: 127, lsb: 127, semitones: 2, cents: 0 };
    this.rpn.set(channel, st);
    switch (controller) {
      case 64:
        this.sink.sustain(value >= 64, timeSec);
        return;
      case 66:
        this.sink.sostenuto(value >= 64, timeSec);
        return;
      case 67:
        this.sink.softPedal(value >= 64, timeSec);
        return;
      case 98:
      case 99:
        // An NRPN selection deselects the RPN: data entry that follows is not a bend range.
        st.msb = st.lsb = 127;
        return;
      case 101:
        st.msb = value;
        return;
      case 100:
        st.lsb = value;
        return;
      case 6:
      case 38:
        // Only RPN 0,0 (pitch-bend sensitivity) means something to this instrument.
        if (st.msb !== 0 || st.lsb !== 0) return;
        if (controller === 6) st.semitones = value;
        else st.cents = value;
        this.sink.bendRange(st.semitones + st.cents / 100, timeSec);
        return;
      case 120:
        this.sink.allSoundOff(timeSec);
        return;
      case 121:
        // RP-015: reset all controllers also deselects the RPN.
        st.msb = st.lsb = 127;
        this.sink.resetControllers(timeSec);
        return;
      case 123:
      case 124:
      case 125:
      case 126:
      case 127:
        this.sink.allNotesOff(timeSec);
        return;
      default:
        if (!FIXED_CONTROLLERS.has(controller)) this.sink.assignableControl(controller, value);
        return;
    }
  }
}
