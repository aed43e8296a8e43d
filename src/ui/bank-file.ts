/**
 * The instrument's saved bank: the presets plus what a player set up with them, the MIDI bindings
 * (midi-controls.ts) and the morph pad's corners, kept in the bank file's `instrument` field
 * (src/engine/presets.ts `savePresetBank`). Files saved before (a bare array of presets) still load, with
 * neither. Pure.
 */
import { readPresetBankFile, savePresetBank, type Preset, type PresetValidationOptions } from '../engine/presets.ts';
import { validateControlBindings, type ControlBindings, type MidiControls } from './midi-controls.ts';
import { checkPadCorners, type PadCorners, type PresetBankState } from './preset-bank.ts';

/** What the demo keeps in localStorage and the preset bar exports. */
export interface PresetBankFile {
  readonly presets: readonly Preset[];
  /** Absent in files saved before bindings were: the instrument keeps its own. */
  readonly midiBindings?: ControlBindings;
  /** Preset indices at the pad's corners; absent in older files. */
  readonly padCorners?: PadCorners;
}

/** What a saved bank holds of the instrument's state now (copies). */
export function presetBankFileOf(bank: PresetBankState, controls: MidiControls): PresetBankFile {
  return { presets: bank.presets.map((p) => ({ ...p })), midiBindings: controls.bindings, padCorners: bank.corners };
}

/** The bank file's text. */
export function savePresetBankFile(f: PresetBankFile): string {
  return savePresetBank(f.presets, {
    ...(f.midiBindings ? { midiBindings: f.midiBindings } : {}),
    ...(f.padCorners ? { padCorners: f.padCorners } : {}),
  });
}

/** Parses and validates a bank file (either version); throws naming what is wrong. */
export function loadPresetBankFile(json: string, opts: PresetValidationOptions = {}): PresetBankFile {
  const { presets, instrument } = readPresetBankFile(json, opts);
  if (instrument === undefined) return { presets };
  if (typeof instrument !== 'object' || instrument === null || Array.isArray(instrument)) {
    throw new Error(`invalid preset bank: "instrument" must be an object, got ${JSON.stringify(instrument)}`);
  }
  const { midiBindings, padCorners } = instrument as Record<string, unknown>;
  const out: { presets: Preset[]; midiBindings?: ControlBindings; padCorners?: PadCorners } = { presets };
  try {
    if (midiBindings !== undefined) out.midiBindings = validateControlBindings(midiBindings);
    if (padCorners !== undefined) out.padCorners = checkPadCorners(padCorners, presets.length);
  } catch (e) {
    throw new Error(`invalid preset bank: ${(e as Error).message}`);
  }
  return out;
}
