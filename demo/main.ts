/**
 * The demo page `npm start` serves: the instrument with the default model, a view of the last note played,
 * a MIDI-file renderer, and a help overlay. The preset bank comes from the URL fragment (a shared link: presets
 * only), else from localStorage (with its MIDI bindings and pad corners), and is kept in localStorage as it is edited.
 */
import '../src/ui/gansynth-instrument.ts';
import '../src/ui/note-view.ts';
import '../src/ui/midi-file-renderer.ts';
import type { GansynthInstrument } from '../src/ui/gansynth-instrument.ts';
import type { NoteView } from '../src/ui/note-view.ts';
import { pitchName } from '../src/ui/piano-keyboard.ts';
import { decodePresetFragment } from '../src/engine/presets.ts';
import { loadPresetBankFile, savePresetBankFile, type PresetBankFile } from '../src/ui/bank-file.ts';

const STORAGE_KEY = 'gansynth-web:presets';
const params = new URLSearchParams(location.search);
const instrument = document.getElementById('instrument') as GansynthInstrument;
const noteView = document.getElementById('gansynth-note-view') as NoteView;
const help = document.getElementById('help') as HTMLDialogElement;
const unlock = document.getElementById('unlock')!;

function initialBank(): PresetBankFile | undefined {
  try {
    // Repeated names (a bank saved before names were kept unique) get a suffix rather than losing the bank.
    if (location.hash.length > 1) return { presets: decodePresetFragment(location.hash, { renameDuplicates: true }) };
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored ? loadPresetBankFile(stored, { renameDuplicates: true }) : undefined;
  } catch (e) {
    console.error('ignoring a preset bank that does not load:', e);
    return undefined;
  }
}

const bank = initialBank();
if (bank?.presets.length) instrument.presetBank = bank;
for (const name of ['backend', 'low', 'high']) {
  const v = params.get(name);
  if (v) instrument.setAttribute(name, v);
}
instrument.setAttribute('wasm-path', new URL('/wasm/', location.href).href);
instrument.setAttribute('worker-url', new URL('./render-worker.js', import.meta.url).href);
instrument.setAttribute('builtin-model', new URL('/models/default/', location.href).href);
// auto: the built-in model when trained, else Magenta's acoustic_only, else the built-in one (the status says why).
instrument.setAttribute('model', params.get('model') ?? 'auto');
// Keep the address bar in step with the picker, so a reload or a shared link plays the same model.
instrument.addEventListener('model-loaded', () => {
  const url = new URL(location.href);
  if (instrument.model === 'auto') url.searchParams.delete('model');
  else url.searchParams.set('model', instrument.model);
  history.replaceState(null, '', url);
});

// Edits are kept in localStorage; when that fails (quota, private mode) the page says so and how to keep them.
const storageWarning = document.getElementById('storage-warning')!;
instrument.addEventListener('presets-changed', (e) => {
  try {
    localStorage.setItem(STORAGE_KEY, savePresetBankFile((e as CustomEvent<{ presetBank: PresetBankFile }>).detail.presetBank));
    storageWarning.hidden = true;
  } catch (err) {
    storageWarning.textContent = `Your presets could not be saved in this browser (${(err as Error).message}): use "export" to keep them in a file.`;
    storageWarning.hidden = false;
  }
});

instrument.addEventListener('note-played', (e) => {
  const { pitch } = (e as CustomEvent<{ pitch: number }>).detail;
  const note = instrument.getNote(pitch);
  noteView.samples = note?.samples;
  noteView.sampleRateHz = note?.sampleRateHz ?? 48000;
  noteView.caption = note ? `${pitchName(pitch)} (MIDI ${pitch})` : `${pitchName(pitch)}: not rendered yet`;
});

// Browsers start an AudioContext suspended until a gesture: say so, and resume on the first one.
instrument.addEventListener('ready', () => {
  const ctx = instrument.context;
  if (ctx instanceof AudioContext && ctx.state === 'suspended') unlock.hidden = false;
  const resume = () => {
    void instrument.resume().then(() => (unlock.hidden = true));
  };
  window.addEventListener('pointerdown', resume, { once: true });
  window.addEventListener('keydown', resume, { once: true });
});

// The MIDI-file renderer renders offline with the instrument's presets and model.
const midiFile = document.createElement('gansynth-midi-renderer');
// The same backend choice as the instrument (`?backend=`), and the wasm files where the page serves them.
midiFile.setAttribute('backend', params.get('backend') || 'auto');
midiFile.setAttribute('wasm-path', new URL('/wasm/', location.href).href);
// The model the instrument plays (local files cannot be shared with it: it keeps the last URL).
instrument.addEventListener('model-loaded', (e) => {
  const { url } = (e as CustomEvent<{ url: string }>).detail;
  if (!url.startsWith('local:')) midiFile.setAttribute('model-url', url);
});
// The preset sounding now (a morph position between presets renders with the nearest one selected before it).
const syncPresets = () => Object.assign(midiFile, { presets: instrument.presets, selected: Math.max(0, instrument.selectedPreset) });
syncPresets();
for (const event of ['presets-changed', 'bank-ready', 'bank-progress']) instrument.addEventListener(event, syncPresets);
document.getElementById('midi-file')!.append(midiFile);

document.getElementById('help-button')!.addEventListener('click', () => help.showModal());
window.addEventListener('keydown', (e) => {
  if (e.key === '?' && !help.open) help.showModal();
});
