/**
 * SoundController: what sounds, and how a player moves it. Owns the preset bank (presets, the slider's path, the XY
 * pad and its corners), the MIDI controls (bindings, learn, program change) and the render scheduler, which turns
 * preset changes (at once) and morph moves (at a bounded rate) into bank renders. The element renders its state
 * and forwards its public API here; the audio lives in the AudioEngineController.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Preset } from '../engine/presets.ts';
import { presetBankFileOf, type PresetBankFile } from './bank-file.ts';
import { MidiControls, validateControlBindings, type ControlBindings, type ControlTarget } from './midi-controls.ts';
import { applyPresetAction } from './preset-actions.ts';
import type { PresetAction } from './preset-bar.ts';
import { PresetBankState, checkPadCorners, defaultPresets } from './preset-bank.ts';
import { RenderScheduler } from './render-scheduler.ts';

/** What the controller needs of the element. */
export interface SoundCallbacks {
  /** Renders the bank of `latent`; resolves true when complete, false when superseded (errors are the host's to show). */
  renderLatent(latent: Float32Array): Promise<boolean>;
  /** The model's name (stored with a saved preset). */
  modelName(): string;
  /** Shows and fires an error. */
  report(e: unknown): void;
  /** Fires `presets-changed`: anything a saved bank holds changed. */
  presetsChanged(): void;
}

/** See the module comment. */
export class SoundController implements ReactiveController {
  readonly bank = new PresetBankState(defaultPresets());
  readonly controls = new MidiControls();
  readonly scheduler: RenderScheduler;
  /** Last share link (the preset bar shows it). */
  shareUrl = '';

  constructor(private readonly host: ReactiveControllerHost, private readonly callbacks: SoundCallbacks) {
    host.addController(this);
    this.scheduler = new RenderScheduler({ render: async () => callbacks.renderLatent(this.bank.latent()) });
  }

  hostDisconnected(): void {
    this.scheduler.cancel();
  }

  /** Renders the sound of now at once (a preset, model or range change). */
  renderNow(): Promise<boolean> {
    return this.scheduler.renderNow();
  }

  /** Makes preset `preset` (index or name) sound; resolves when its bank is complete (false if superseded). */
  select(preset: number | string): Promise<boolean> {
    this.bank.select(preset);
    this.host.requestUpdate();
    return this.renderNow();
  }

  /** Moves the slider's path to `position` (0..1). */
  movePath(position: number): void {
    this.bank.position = position;
    this.moved();
  }

  /** Moves the XY pad to (x, y) (each 0..1, y up). */
  moveXY(x: number, y: number): void {
    this.bank.xy = { x, y };
    this.moved();
  }

  /** Puts presets at the pad's corners (indices: bottom left, bottom right, top left, top right). */
  setCorners(corners: readonly number[]): void {
    this.bank.corners = corners;
    this.callbacks.presetsChanged();
    if (this.bank.morph === 'xy') this.moved();
    else this.host.requestUpdate();
  }

  /** An assignable MIDI controller moved (raw 0..127). */
  control(controller: number, value: number): void {
    const a = this.controls.handle(controller, value);
    if (!a) return;
    switch (a.kind) {
      case 'morphX':
        return this.moveXY(a.value, this.bank.xy.y);
      case 'morphY':
        return this.moveXY(this.bank.xy.x, a.value);
      case 'presetStep':
        void this.select(this.bank.step(a.delta));
        return;
      case 'learned':
        this.callbacks.presetsChanged();
        this.host.requestUpdate();
        return;
      default: {
        const never: never = a;
        return never;
      }
    }
  }

  /** MIDI program change: program n selects preset n (0-based, as sent); a program past the bank is ignored. */
  programChange(program: number): void {
    if (program < this.bank.presets.length) void this.select(program);
  }

  /** Arms MIDI learn for `target` (undefined: stops learning). */
  learn(target: ControlTarget | undefined): void {
    this.controls.arm(target);
    this.host.requestUpdate();
  }

  /** Replaces the presets (validated first: nothing changes on error) and renders the first. */
  replacePresets(presets: readonly Preset[]): void {
    this.bank.replace(presets);
    this.host.requestUpdate();
  }

  /** Adds `preset` (renamed if its name is taken), selects it, announces the bank change and renders it. */
  async addPreset(preset: Preset): Promise<void> {
    this.bank.append([preset]);
    this.callbacks.presetsChanged();
    this.host.requestUpdate();
    await this.renderNow();
  }

  /** The bank as a saved file holds it. */
  get presetBank(): PresetBankFile {
    return presetBankFileOf(this.bank, this.controls);
  }
  /** Loads a saved bank; bindings and corners it lacks (an older file) stay as they are, or default with a new bank. */
  set presetBank(f: PresetBankFile) {
    // Everything is checked before anything changes.
    const bindings = f.midiBindings && validateControlBindings(f.midiBindings);
    const corners = f.padCorners && checkPadCorners(f.padCorners, f.presets.length);
    this.bank.replace(f.presets);
    if (corners) this.bank.corners = corners;
    if (bindings) this.controls.bindings = bindings;
    this.host.requestUpdate();
  }

  set midiBindings(b: ControlBindings) {
    this.controls.bindings = b;
    this.callbacks.presetsChanged();
    this.host.requestUpdate();
  }

  /** What the preset bar asked. */
  async presetAction(action: PresetAction): Promise<void> {
    try {
      const out = await applyPresetAction(this, action, this.callbacks.modelName());
      if (out.select !== undefined) await this.select(out.select);
      if (out.shareUrl !== undefined) this.shareUrl = out.shareUrl;
      if (out.changed) this.callbacks.presetsChanged();
      this.host.requestUpdate();
      if (out.render) await this.renderNow();
    } catch (err) {
      this.callbacks.report(err);
    }
  }

  private moved(): void {
    this.host.requestUpdate();
    this.scheduler.requestMorph();
  }
}
