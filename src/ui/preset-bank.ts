/**
 * The instrument's preset bank as plain state: the presets, which one (or which morph position) sounds,
 * and the latent that follows from them. Two morphs: the slider's path through all presets (`position`), and the
 * XY pad over four corner presets (`xy`, `corners`); the one moved last sounds (`morph`). Pure (no DOM), so the
 * element stays a view.
 */
import { LATENT_SIZE } from '../shared/constants.ts';
import { interpolateLatents, interpolateLatentsXY } from '../engine/latent.ts';
import { presetFromLatent, resolvePresetLatent, uniquePresetName, validatePreset, validatePresetBank, type Preset } from '../engine/presets.ts';

/** Four seeded presets: what a fresh instrument offers. */
export function defaultPresets(): Preset[] {
  return [1, 2, 3, 4].map((seed) => ({ name: `seed ${seed}`, latent: { seed } }));
}

/** Morph positions closer than this to a preset's own position count as that preset. */
const SNAP = 1e-3;

/** Preset indices at the XY pad's corners, ordered [(0,0), (1,0), (0,1), (1,1)] (x right, y up). */
export type PadCorners = readonly [number, number, number, number];

/** `c` as pad corners of a bank of `presetCount` presets; throws unless it is 4 indices into it. */
export function checkPadCorners(c: unknown, presetCount: number): PadCorners {
  if (!Array.isArray(c) || c.length !== 4 || c.some((i) => !Number.isInteger(i) || i < 0 || i >= presetCount)) {
    throw new Error(`morph pad corners must be 4 preset indices 0..${presetCount - 1}, got ${JSON.stringify(c)}`);
  }
  return [c[0], c[1], c[2], c[3]];
}

/** Which morph sounds: the slider's path, or the XY pad. */
export type MorphKind = 'path' | 'xy';

/** See the module comment. `position` in [0, 1] walks through all presets, equally spaced. */
export class PresetBankState {
  presets: Preset[];
  morph: MorphKind = 'path';
  private pathPosition = 0;
  private padXY = { x: 0, y: 0 };
  private padCorners: PadCorners = [0, 1, 2, 3];

  constructor(presets: readonly Preset[] = defaultPresets(), public latentSize = LATENT_SIZE) {
    this.presets = validatePresetBank(presets as unknown[], { latentSize });
    if (this.presets.length === 0) this.presets = defaultPresets();
    this.defaultCorners();
  }

  /** The slider's position in [0, 1]; setting it makes the slider's path sound. */
  get position(): number {
    return this.pathPosition;
  }
  set position(p: number) {
    if (!Number.isFinite(p)) throw new RangeError(`morph position must be a finite number, got ${p}`);
    this.pathPosition = Math.min(1, Math.max(0, p));
    this.morph = 'path';
  }

  /** The XY pad's position, each in [0, 1] (y up); setting it makes the pad sound. */
  get xy(): { readonly x: number; readonly y: number } {
    return this.padXY;
  }
  set xy({ x, y }: { readonly x: number; readonly y: number }) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError(`morph pad position must be finite, got ${x}, ${y}`);
    this.padXY = { x: Math.min(1, Math.max(0, x)), y: Math.min(1, Math.max(0, y)) };
    this.morph = 'xy';
  }

  /** The corner presets (indices; a bank of fewer than four presets repeats them). */
  get corners(): PadCorners {
    return this.padCorners;
  }
  set corners(c: readonly number[]) {
    this.padCorners = checkPadCorners(c, this.presets.length);
  }

  /** The first four presets at the corners (repeated in a smaller bank). */
  private defaultCorners(): void {
    this.corners = [0, 1, 2, 3].map((i) => i % this.presets.length);
  }

  /** Index of the preset sounding (on the path, or the pad at a corner), or -1 between presets. */
  get selected(): number {
    const n = this.presets.length;
    if (n === 1) return 0;
    if (this.morph === 'xy') {
      const { x, y } = this.padXY;
      const near = (v: number) => Math.abs(v - Math.round(v)) < SNAP;
      return near(x) && near(y) ? this.padCorners[Math.round(x) + 2 * Math.round(y)]! : -1;
    }
    const x = this.pathPosition * (n - 1);
    return Math.abs(x - Math.round(x)) < SNAP * (n - 1) ? Math.round(x) : -1;
  }

  /** Morph position of preset `index`. */
  positionOf(index: number): number {
    return this.presets.length > 1 ? index / (this.presets.length - 1) : 0;
  }

  /** Index by number, or by name. Throws when there is no such preset. */
  indexOf(preset: number | string): number {
    const i = typeof preset === 'number' ? preset : this.presets.findIndex((p) => p.name === preset);
    if (!Number.isInteger(i) || i < 0 || i >= this.presets.length) {
      throw new Error(`no preset ${JSON.stringify(preset)} (have: ${this.presets.map((p) => p.name).join(', ')})`);
    }
    return i;
  }

  /** Makes `preset` sound (on the slider's path). */
  select(preset: number | string): void {
    this.position = this.positionOf(this.indexOf(preset));
  }

  /**
   * Selects the preset `delta` steps from the one sounding, wrapping around the bank; from a morph, from the
   * slider's nearest preset. Returns its index.
   */
  step(delta: number): number {
    const n = this.presets.length;
    const from = this.selected >= 0 ? this.selected : Math.round(this.pathPosition * (n - 1));
    const i = (((from + delta) % n) + n) % n;
    this.select(i);
    return i;
  }

  /** The latent that sounds now: the selected preset's, the slerp path between presets, or the pad's. */
  latent(): Float32Array {
    const latentOf = (p: Preset) => resolvePresetLatent(p, this.latentSize);
    if (this.morph === 'xy') return interpolateLatentsXY(this.padCorners.map((i) => latentOf(this.presets[i]!)), this.padXY.x, this.padXY.y);
    return interpolateLatents(this.presets.map(latentOf), this.pathPosition);
  }

  /** Adds a preset from a fresh random seed and selects it. */
  addRandom(seed = Math.floor(Math.random() * 2 ** 31)): void {
    this.add({ name: `seed ${seed}`, latent: { seed } });
  }

  /** Saves the sound playing now (a morph included) as a new preset holding its full latent. */
  saveCurrent(model?: string): void {
    const from = this.selected >= 0 ? this.presets[this.selected]!.name : 'morph';
    this.add(presetFromLatent(`${from} *`, this.latent(), model));
  }

  /** Renames a preset; a name another preset has is refused (save, export and share need unique names). */
  rename(index: number, name: string): void {
    const i = this.indexOf(index);
    const renamed = validatePreset({ ...this.presets[i]!, name: name.trim() }, { latentSize: this.latentSize });
    if (this.presets.some((p, j) => j !== i && p.name === renamed.name)) throw new Error(`a preset named "${renamed.name}" exists already: choose another name`);
    this.presets[i] = renamed;
  }

  /** Replaces the whole bank; nothing changes when any preset is invalid. Selects the first preset. */
  replace(presets: readonly Preset[]): void {
    const checked = validatePresetBank(presets as unknown[], { latentSize: this.latentSize, renameDuplicates: true });
    if (checked.length === 0) throw new Error('a preset bank needs at least one preset');
    this.presets = checked;
    this.defaultCorners();
    this.select(0);
  }

  /** Removes a preset (the last one cannot go: an instrument needs a sound). */
  remove(index: number): void {
    const i = this.indexOf(index);
    if (this.presets.length === 1) throw new Error('cannot delete the only preset');
    const keep = this.selected === i ? Math.max(0, i - 1) : this.selected;
    this.presets.splice(i, 1);
    // Corners keep their presets; a corner on the removed one takes the preset before it.
    this.corners = this.padCorners.map((c) => (c > i ? c - 1 : c === i ? Math.max(0, i - 1) : c));
    this.select(keep >= 0 ? Math.min(keep, this.presets.length - 1) : 0);
  }

  /**
   * Appends presets (all validated before any is added) and selects the first of them. A name the bank has already
   * gets a suffix (`piano (2)`), so an import never makes the bank unsavable.
   */
  append(presets: readonly Preset[]): void {
    const taken = new Set(this.presets.map((p) => p.name));
    const checked = validatePresetBank(presets as unknown[], { latentSize: this.latentSize, renameDuplicates: true }).map((p) => {
      const name = uniquePresetName(p.name, taken);
      taken.add(name);
      return { ...p, name };
    });
    if (checked.length === 0) return;
    const first = this.presets.length;
    this.presets.push(...checked);
    this.select(first);
  }

  private add(p: Preset): void {
    this.append([p]);
  }
}
