/**
 * Web MIDI through webmidi v3: enables access once, follows hot-plug (connected / disconnected), listens
 * to the selected input(s) and hands each message's bytes to a {@link MidiDispatcher}.
 */
import { WebMidi, type Input } from 'webmidi';
import { MidiDispatcher, type MidiSink } from './midi-dispatch.ts';

/** A MIDI input as the device picker shows it. */
export interface MidiPortInfo {
  readonly id: string;
  readonly name: string;
  readonly manufacturer: string;
}

/** Where MIDI access stands. */
export type MidiState = 'off' | 'pending' | 'enabled' | 'unsupported' | 'denied';

/** Listen to every input. */
export const ALL_INPUTS = 'all';
/** Listen to none. */
export const NO_INPUT = 'none';

/**
 * One instrument's view of Web MIDI. `selection` is {@link ALL_INPUTS}, {@link NO_INPUT}, or an input's
 * id or name; an input that is unplugged and plugged back in is picked up again by the same selection.
 */
export class MidiInput {
  readonly dispatcher: MidiDispatcher;
  state: MidiState = 'off';
  /** Why access failed, when state is 'denied' or 'unsupported'. */
  errorMessage = '';
  inputs: MidiPortInfo[] = [];
  private selection = ALL_INPUTS;
  private readonly listening = new Set<Input>();

  /**
   * `onChange` runs after the state, the device list or the selection changed (the host re-renders);
   * `timeOf` maps a message's arrival stamp (performance.now() ms) to when it should apply (undefined = now).
   */
  constructor(sink: MidiSink, private readonly onChange: () => void, private readonly timeOf: (eventMs: number) => number | undefined = () => undefined) {
    this.dispatcher = new MidiDispatcher(sink);
  }

  /** 0 = omni, else 1..16. */
  get channel(): number {
    return this.dispatcher.channel;
  }
  set channel(ch: number) {
    if (!Number.isInteger(ch) || ch < 0 || ch > 16) throw new RangeError(`MIDI channel must be 0 (omni) or 1..16, got ${ch}`);
    this.dispatcher.channel = ch;
  }

  get selected(): string {
    return this.selection;
  }

  /** Requests MIDI access (once per page) and starts following devices. Never throws: see `state`. */
  async enable(): Promise<void> {
    if (this.state === 'enabled' || this.state === 'pending') return;
    if (typeof navigator === 'undefined' || typeof navigator.requestMIDIAccess !== 'function') {
      this.state = 'unsupported';
      this.errorMessage = 'this browser has no Web MIDI';
      this.onChange();
      return;
    }
    this.state = 'pending';
    this.onChange();
    try {
      if (!WebMidi.enabled) await WebMidi.enable();
    } catch (err) {
      this.state = 'denied';
      this.errorMessage = `MIDI access failed: ${(err as Error).message ?? String(err)}`;
      this.onChange();
      return;
    }
    WebMidi.addListener('portschanged', this.refresh);
    this.state = 'enabled';
    this.refresh();
  }

  /** Selects which input(s) to listen to. */
  select(selection: string): void {
    this.selection = selection || ALL_INPUTS;
    this.refresh();
  }

  /** Stops listening (the shared WebMidi stays enabled for other instruments). */
  dispose(): void {
    if (this.state === 'enabled') WebMidi.removeListener('portschanged', this.refresh);
    for (const input of this.listening) input.removeListener('midimessage', this.onMessage);
    this.listening.clear();
    this.state = 'off';
  }

  private readonly refresh = (): void => {
    if (this.state !== 'enabled') return;
    const present = WebMidi.inputs.filter((i) => i.state === 'connected');
    this.inputs = present.map((i) => ({ id: i.id, name: i.name, manufacturer: i.manufacturer }));
    const wanted = new Set(
      this.selection === NO_INPUT
        ? []
        : present.filter((i) => this.selection === ALL_INPUTS || i.id === this.selection || i.name === this.selection),
    );
    for (const input of [...this.listening]) {
      if (!wanted.has(input)) {
        input.removeListener('midimessage', this.onMessage);
        this.listening.delete(input);
      }
    }
    for (const input of wanted) {
      if (this.listening.has(input)) continue;
      input.addListener('midimessage', this.onMessage);
      this.listening.add(input);
    }
    this.onChange();
  };

  private readonly onMessage = (e: { message: { data: ArrayLike<number> }; timestamp: number }): void => {
    this.dispatcher.handle(e.message.data, this.timeOf(e.timestamp));
  };
}
