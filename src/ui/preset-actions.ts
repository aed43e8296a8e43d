/**
 * What the preset bar's actions do to the instrument's bank: edits applied to {@link PresetBankState}, and the
 * two that leave the page (export as a file download, share as a link). Kept out of the element, which only renders.
 */
import { encodePresetFragment } from '../engine/presets.ts';
import { loadPresetBankFile, presetBankFileOf, savePresetBankFile } from './bank-file.ts';
import type { MidiControls } from './midi-controls.ts';
import type { PresetBankState } from './preset-bank.ts';
import type { PresetAction } from './preset-bar.ts';

/** What the actions change: the bank, and the MIDI bindings saved with it. */
export interface PresetActionTarget {
  readonly bank: PresetBankState;
  readonly controls: MidiControls;
}

/** What the instrument does after an action: re-render the sound, announce a changed bank, or nothing. */
export interface PresetActionOutcome {
  readonly select?: number;
  readonly changed: boolean;
  readonly render: boolean;
  readonly shareUrl?: string;
}

/**
 * Applies `a` to the bank (`modelName` is stored with a saved preset). Throws with the bank's own messages. Export
 * writes the bindings and pad corners with the presets; an import appends the file's presets and takes its bindings
 * and corners when it has them (a file saved before them keeps the instrument's).
 */
export async function applyPresetAction({ bank, controls }: PresetActionTarget, a: PresetAction, modelName: string): Promise<PresetActionOutcome> {
  switch (a.kind) {
    case 'select':
      return { select: a.index, changed: false, render: false };
    case 'random':
      bank.addRandom();
      break;
    case 'save':
      bank.saveCurrent(modelName || undefined);
      break;
    case 'rename':
      bank.rename(a.index, a.name);
      return { changed: true, render: false };
    case 'delete':
      bank.remove(a.index);
      break;
    case 'import': {
      const file = loadPresetBankFile(await a.file.text(), { latentSize: bank.latentSize, renameDuplicates: true });
      const first = bank.presets.length;
      bank.append(file.presets);
      if (file.padCorners) bank.corners = file.padCorners.map((i) => first + i);
      if (file.midiBindings) controls.bindings = file.midiBindings;
      break;
    }
    case 'export':
      download('gansynth-presets.json', savePresetBankFile(presetBankFileOf(bank, controls)));
      return { changed: false, render: false };
    case 'share': {
      const shareUrl = `${location.href.split('#')[0]}#${encodePresetFragment(bank.presets)}`;
      await navigator.clipboard?.writeText(shareUrl).catch(() => undefined);
      return { changed: false, render: false, shareUrl };
    }
    default: {
      const never: never = a;
      return never;
    }
  }
  return { changed: true, render: true };
}

function download(name: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
