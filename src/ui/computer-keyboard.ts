/**
 * The computer keyboard as a piano: two rows (A S D F G H J K L ; for white keys, W E T Y U O P for
 * black keys, like most DAWs), Z / X shift the octave. Pure mapping plus a small DOM binding.
 */

/** Semitone offsets from the base C of the keys, by `KeyboardEvent.code` (layout independent). */
export const KEY_SEMITONES: Readonly<Record<string, number>> = Object.freeze({
  KeyA: 0, KeyW: 1, KeyS: 2, KeyE: 3, KeyD: 4, KeyF: 5, KeyT: 6, KeyG: 7, KeyY: 8, KeyH: 9, KeyU: 10,
  KeyJ: 11, KeyK: 12, KeyO: 13, KeyL: 14, KeyP: 15, Semicolon: 16, Quote: 17,
});

/** Lowest and highest base note the octave keys can reach (keeps all mapped keys inside MIDI 0..127). */
export const BASE_NOTE_MIN = 12;
export const BASE_NOTE_MAX = 108;

/** What a key press means: a pitch, an octave shift, or nothing. */
export type KeyAction = { kind: 'note'; pitch: number } | { kind: 'octave'; deltaSemitones: number } | { kind: 'none' };

/** Maps `code` to an action given the current base note (the pitch of key A). */
export function keyAction(code: string, baseNote: number): KeyAction {
  if (code === 'KeyZ') return { kind: 'octave', deltaSemitones: -12 };
  if (code === 'KeyX') return { kind: 'octave', deltaSemitones: 12 };
  const offset = KEY_SEMITONES[code];
  return offset === undefined ? { kind: 'none' } : { kind: 'note', pitch: baseNote + offset };
}

/** Callbacks of a {@link ComputerKeyboard}. */
export interface ComputerKeyboardSink {
  /** `velocity`: MIDI 1..127. */
  noteOn(pitch: number, velocity: number): void;
  noteOff(pitch: number): void;
  /** Called after Z / X moved the base note. */
  octaveChanged?(baseNote: number): void;
}

/** Keyboard velocity (MIDI 1..127): keys have none, so a fixed, moderately loud one. */
export const COMPUTER_KEY_VELOCITY = 100;

/**
 * Listens to keydown/keyup on `target` (default window). Ignores auto-repeat, modifier chords and keys
 * typed into form fields, and releases a note with the pitch it started with even if the octave moved
 * in between (so no note hangs).
 */
export class ComputerKeyboard {
  /** Pitch of key A; C4 by default. */
  baseNote = 60;
  private readonly held = new Map<string, number>();
  private target: EventTarget | undefined;

  constructor(private readonly sink: ComputerKeyboardSink) {}

  /** Starts listening. */
  attach(target: EventTarget = window): void {
    this.detach();
    this.target = target;
    target.addEventListener('keydown', this.onKeyDown as EventListener);
    target.addEventListener('keyup', this.onKeyUp as EventListener);
    target.addEventListener('blur', this.releaseAll);
  }

  /** Stops listening and releases held notes. */
  detach(): void {
    this.releaseAll();
    if (!this.target) return;
    this.target.removeEventListener('keydown', this.onKeyDown as EventListener);
    this.target.removeEventListener('keyup', this.onKeyUp as EventListener);
    this.target.removeEventListener('blur', this.releaseAll);
    this.target = undefined;
  }

  private readonly onKeyDown = (e: KeyboardEvent): void => {
    if (e.repeat || e.ctrlKey || e.metaKey || e.altKey || isEditable(e)) return;
    const action = keyAction(e.code, this.baseNote);
    if (action.kind === 'octave') {
      this.baseNote = Math.min(BASE_NOTE_MAX, Math.max(BASE_NOTE_MIN, this.baseNote + action.deltaSemitones));
      this.sink.octaveChanged?.(this.baseNote);
    } else if (action.kind === 'note' && !this.held.has(e.code)) {
      this.held.set(e.code, action.pitch);
      this.sink.noteOn(action.pitch, COMPUTER_KEY_VELOCITY);
    } else return;
    e.preventDefault();
  };

  private readonly onKeyUp = (e: KeyboardEvent): void => {
    const pitch = this.held.get(e.code);
    if (pitch === undefined) return;
    this.held.delete(e.code);
    this.sink.noteOff(pitch);
  };

  private readonly releaseAll = (): void => {
    for (const pitch of this.held.values()) this.sink.noteOff(pitch);
    this.held.clear();
  };
}

function isEditable(e: KeyboardEvent): boolean {
  // composedPath()[0] sees through shadow roots (a text field inside the preset bar).
  const el = (e.composedPath?.()[0] ?? e.target) as HTMLElement | null;
  if (!el || typeof el.tagName !== 'string') return false;
  return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
}
