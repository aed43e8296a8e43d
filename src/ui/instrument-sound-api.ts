/**
 * The sound half of `<gansynth-instrument>`'s public API: the presets, the saved bank, the two morphs (slider and
 * XY pad), the pad's corners and the MIDI bindings, all forwarded to the element's {@link SoundController}. A base
 * class, as {@link InstrumentAttributes} is, so the element's file holds its behaviour.
 */
import type { Preset } from '../engine/presets.ts';
import type { PresetBankFile } from './bank-file.ts';
import { InstrumentAttributes } from './instrument-attributes.ts';
import type { ControlBindings, ControlTarget } from './midi-controls.ts';
import type { SoundController } from './sound-controller.ts';
import type { SoundImport } from './sound-import.ts';

/** See the module comment; `<gansynth-instrument>` extends it. */
export abstract class InstrumentSoundApi extends InstrumentAttributes {
  protected abstract readonly sound: SoundController;
  protected abstract readonly soundImport: SoundImport;
  /** Runs `f`; an error is shown and fired, and rethrown to the caller when `rethrow`. */
  protected abstract guard(f: () => void, rethrow?: boolean): void;
  /** True once the element started its audio (a bank may render). */
  protected abstract get booted(): boolean;

  /** The presets (a copy); assign to replace the bank (pad corners back to the first four). */
  get presets(): Preset[] {
    return this.presetBank.presets as Preset[];
  }
  set presets(presets: readonly Preset[]) {
    this.presetBank = { presets };
  }

  /** What a saved bank holds: presets, MIDI bindings, pad corners (copies). Assign a loaded one (bank-file.ts). */
  get presetBank(): PresetBankFile {
    return this.sound.presetBank;
  }
  set presetBank(file: PresetBankFile) {
    this.guard(() => (this.sound.presetBank = file)); // validates everything before replacing anything
    if (this.booted) void this.sound.renderNow();
  }

  /**
   * Sound → preset: inverts a WAV of one note (`name` defaults to the File's name) with the playing model, in the
   * render Worker when there is one; the preset (named after the file) is added, selected and rendered. Resolves with
   * it, or undefined when cancelled or refused (the reason is in the status line and an `error` event).
   */
  importSound(file: Blob, name?: string, options?: { steps?: number; starts?: number; pitch?: number }): Promise<Preset | undefined> {
    return this.soundImport.importSound(file, name, options);
  }

  /** Records `seconds` (default 4.5) from the microphone and imports it as `recording N` (see importSound). */
  recordSound(seconds?: number): Promise<Preset | undefined> {
    return this.soundImport.record(seconds);
  }

  /** Stops a sound → preset in flight (no preset is added). */
  cancelSoundImport(): void {
    this.soundImport.cancel();
  }

  /** Switches to a preset (index or name) and re-renders the bank; resolves when it is fully rendered. */
  async setPreset(preset: number | string): Promise<boolean> {
    return this.sound.select(preset);
  }

  /** Moves the slider's morph (0..1 across the presets); banks re-render at a bounded rate (render-scheduler.ts). */
  morphTo(position: number): void {
    this.guard(() => this.sound.movePath(position));
  }

  /** Moves the XY pad (x right, y up, each 0..1, between the corner presets); re-renders as `morphTo` does. */
  morphToXY(x: number, y: number): void {
    this.guard(() => this.sound.moveXY(x, y));
  }

  /** The slider's position, 0..1 across the presets (a preset's own position when one is selected). */
  get morphPosition(): number {
    return this.sound.bank.position;
  }

  /** The XY pad's position, and whether it (rather than the slider) sounds. */
  get morphXY(): { x: number; y: number; active: boolean } {
    return { ...this.sound.bank.xy, active: this.sound.bank.morph === 'xy' };
  }

  /** Preset indices at the pad's corners: bottom left, bottom right, top left, top right. */
  get padCorners(): number[] {
    return [...this.sound.bank.corners];
  }
  set padCorners(corners: readonly number[]) {
    this.guard(() => this.sound.setCorners(corners));
  }

  /** Index of the preset sounding, or -1 between presets (a morph). */
  get selectedPreset(): number {
    return this.sound.bank.selected;
  }

  /** Controller number per target (`morphX`, `morphY`, `presetNext`, `presetPrevious`); saved with the bank. */
  get midiBindings(): ControlBindings {
    return this.sound.controls.bindings;
  }
  set midiBindings(b: ControlBindings) {
    this.guard(() => (this.sound.midiBindings = b));
  }

  /** MIDI learn: the next assignable controller that moves is bound to `target` (undefined: stop waiting). */
  learnMidi(target: ControlTarget | undefined): void {
    this.guard(() => this.sound.learn(target));
  }
}
