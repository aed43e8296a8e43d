/**
 * The instrument's preset bank as plain state: the presets, which one (or which morph position) sounds,
 * and the latent that follows from them. Pure (no DOM), so the element stays a view.
 */
import { LATENT_SIZE } from '../shared/constants.ts';
import { interpolateLatents } from '../engine/latent.ts';
import { presetFromLatent, resolvePresetLatent, uniquePresetName, validatePreset, validatePresetBank, type Preset } from '../engine/presets.ts';

/** Four seeded presets: what a fresh instrument offers. */
export function defaultPresets(): Preset[] {
  return [1, 2, 3, 4].map((seed) => ({ name: `seed ${seed}`, latent: { seed } }));
}

/** Morph positions closer than this to a preset's own position count as that preset. */
const SNAP = 1e-3;

/** See the module comment. `position` in [0, 1] walks through all presets, equally spaced. */
export class PresetBankState {
  presets: Preset[];
  position = 0;

  constructor(presets: readonly Preset[] = defaultPresets(), public latentSize = LATENT_SIZE) {
    this.presets = validatePresetBank(presets as unknown[], { latentSize });
    if (this.presets.length === 0) this.presets = defaultPresets();
  }

  /** Index of the preset at `position`, or -1 between presets. */
  get selected(): number {
    const n = this.presets.length;
    if (n === 1) return 0;
    const x = this.position * (n - 1);
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

  select(preset: number | string): void {
    this.position = this.positionOf(this.indexOf(preset));
  }

  /** The latent that sounds now: the selected preset's, or the slerp path between presets. */
  latent(): Float32Array {
    const anchors = this.presets.map((p) => resolvePresetLatent(p, this.latentSize));
    return interpolateLatents(anchors, this.position);
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
    this.select(0);
  }

  /** Removes a preset (the last one cannot go: an instrument needs a sound). */
  remove(index: number): void {
    const i = this.indexOf(index);
    if (this.presets.length === 1) throw new Error('cannot delete the only preset');
    const keep = this.selected === i ? Math.max(0, i - 1) : this.selected;
    this.presets.splice(i, 1);
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
