/**
 * Presets (DESIGN.md, formats): `{name, latent: number[256] | {seed}, model?: id}`. A preset bank is an array;
 * it round-trips through JSON (save/load) and a compact URL fragment (seed form, or base64url of the float32
 * latent: 1,366 characters instead of ~4.5 kB of decimal JSON).
 */
import { LATENT_SIZE } from '../shared/constants.ts';
import { randomLatent } from './latent.ts';

/** A latent written out in full, or drawn from a seed with `randomLatent`. */
export type PresetLatent = number[] | { seed: number };

/** One named sound: a point of the model's latent space. */
export interface Preset {
  name: string;
  latent: PresetLatent;
  /** Id of the model the latent belongs to (a latent means nothing under another model). */
  model?: string;
}

/** Options of validation. */
export interface PresetValidationOptions {
  /** Length a full latent must have (default 256). */
  latentSize?: number;
  /** A bank: give repeated names a suffix (`piano (2)`) instead of refusing the bank. */
  renameDuplicates?: boolean;
}

const MAX_NAME_LENGTH = 200;
/**
 * Largest |z| a full latent may hold. Latents are N(0,1) draws (or paths between them): |z| > 8 has odds of about
 * 1e-15 per value. The bound keeps values far from float32 overflow (1e39 becomes Infinity, then NaN notes).
 */
export const MAX_LATENT_ABS = 100;

function fail(where: string, why: string): never {
  throw new Error(`invalid preset${where}: ${why}`);
}

/**
 * Checks a value read from JSON and returns it as a Preset (a fresh object, unknown fields dropped); throws
 * naming the preset (when given an index) and the first bad field.
 */
export function validatePreset(raw: unknown, opts: PresetValidationOptions & { index?: number } = {}): Preset {
  const latentSize = opts.latentSize ?? LATENT_SIZE;
  const where = opts.index === undefined ? '' : ` #${opts.index}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(where, `must be an object, got ${describe(raw)}`);
  const p = raw as Record<string, unknown>;
  if (typeof p.name !== 'string' || p.name.length === 0) fail(where, `name must be a non-empty string, got ${describe(p.name)}`);
  if (p.name.length > MAX_NAME_LENGTH) fail(where, `name is ${p.name.length} characters, at most ${MAX_NAME_LENGTH}`);
  const named = `${where} "${p.name}"`;
  let latent: PresetLatent;
  if (Array.isArray(p.latent)) {
    if (p.latent.length !== latentSize) fail(named, `latent has ${p.latent.length} numbers, expected ${latentSize}`);
    const bad = p.latent.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) fail(named, `latent[${bad}] must be a finite number, got ${describe(p.latent[bad])}`);
    const big = p.latent.findIndex((v) => Math.abs(v as number) > MAX_LATENT_ABS);
    if (big >= 0) fail(named, `latent[${big}] is ${describe(p.latent[big])}, outside ±${MAX_LATENT_ABS} (latents are N(0,1) draws)`);
    latent = (p.latent as number[]).slice();
  } else if (typeof p.latent === 'object' && p.latent !== null) {
    const seed = (p.latent as Record<string, unknown>).seed;
    if (!Number.isInteger(seed) || (seed as number) < 0 || (seed as number) > 0xffffffff) {
      fail(named, `latent.seed must be an integer in [0, 4294967295], got ${describe(seed)}`);
    }
    latent = { seed: seed as number };
  } else {
    fail(named, `latent must be an array of ${latentSize} numbers or {seed}, got ${describe(p.latent)}`);
  }
  const out: Preset = { name: p.name, latent };
  if (p.model !== undefined) {
    if (typeof p.model !== 'string' || p.model.length === 0) fail(named, `model must be a non-empty string, got ${describe(p.model)}`);
    out.model = p.model;
  }
  return out;
}

/** `name`, or `name (2)`, `name (3)`… : the first not in `taken`. */
export function uniquePresetName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  const base = name.replace(/ \(\d+\)$/, '');
  for (let i = 2; ; i++) {
    const candidate = `${base} (${i})`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Checks a preset bank (an array of presets; names must be unique). */
export function validatePresetBank(raw: unknown, opts: PresetValidationOptions = {}): Preset[] {
  if (!Array.isArray(raw)) throw new Error(`invalid preset bank: must be an array, got ${describe(raw)}`);
  const bank = raw.map((p, index) => validatePreset(p, { ...opts, index }));
  const seen = new Set<string>();
  bank.forEach((p, i) => {
    if (seen.has(p.name)) {
      if (!opts.renameDuplicates) throw new Error(`invalid preset bank: preset #${i} repeats the name "${p.name}"`);
      p.name = uniquePresetName(p.name, seen);
    }
    seen.add(p.name);
  });
  return bank;
}

/** The latent of `preset` as a Float32Array (drawn from its seed, or copied). */
export function resolvePresetLatent(preset: Preset, latentSize: number = LATENT_SIZE): Float32Array {
  const p = validatePreset(preset, { latentSize });
  return Array.isArray(p.latent) ? Float32Array.from(p.latent) : randomLatent(p.latent.seed, latentSize);
}

/** A preset holding `latent` in full (rounded to float32, as the renderer uses it). */
export function presetFromLatent(name: string, latent: Float32Array, model?: string): Preset {
  return validatePreset({ name, latent: Array.from(latent), ...(model ? { model } : {}) }, { latentSize: latent.length });
}

/** `format` of a saved bank file (version 2 on); version 1 files are a bare array of presets. */
export const PRESET_BANK_FORMAT = 'gansynth-web preset bank';
const PRESET_BANK_VERSION = 2;

/**
 * A preset bank as pretty JSON text (a file the user keeps): `{format, version: 2, presets, instrument?}`, where
 * `instrument` holds what a player set up with the bank (MIDI bindings, morph pad corners: src/ui/bank-file.ts),
 * opaque here.
 */
export function savePresetBank(bank: readonly Preset[], instrument?: Record<string, unknown>): string {
  const presets = validatePresetBank(bank as unknown[], { latentSize: latentSizeOf(bank) });
  return `${JSON.stringify({ format: PRESET_BANK_FORMAT, version: PRESET_BANK_VERSION, presets, ...(instrument ? { instrument } : {}) }, null, 2)}\n`;
}

/**
 * Parses and validates a bank file: `savePresetBank`'s, or a version 1 file (a bare array of presets, as saved
 * before version 2). `instrument` is returned unvalidated (undefined in version 1 files).
 */
export function readPresetBankFile(json: string, opts: PresetValidationOptions = {}): { presets: Preset[]; instrument: unknown } {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new Error(`invalid preset bank: not JSON (${(e as Error).message})`);
  }
  if (Array.isArray(raw)) return { presets: validatePresetBank(raw, opts), instrument: undefined };
  const file = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (file.format !== PRESET_BANK_FORMAT) {
    throw new Error(`invalid preset bank: must be an array of presets or a "${PRESET_BANK_FORMAT}" file, got ${describe(raw)}`);
  }
  if (typeof file.version !== 'number' || file.version > PRESET_BANK_VERSION) {
    throw new Error(`invalid preset bank: version ${describe(file.version)} is newer than this player reads (${PRESET_BANK_VERSION})`);
  }
  return { presets: validatePresetBank(file.presets, opts), instrument: file.instrument };
}

/** The presets of a bank file (either version), validated. */
export function loadPresetBank(json: string, opts: PresetValidationOptions = {}): Preset[] {
  return readPresetBankFile(json, opts).presets;
}

const FRAGMENT_PREFIX = 'gs1:';

/**
 * Encodes a bank as a URL fragment (without '#'): `gs1:` then entries joined by ';', each
 * `name~s<seed>` or `name~z<base64url float32 LE>`, plus `~m<model>` when set; names and models URI-encoded.
 */
export function encodePresetFragment(bank: readonly Preset[]): string {
  const checked = validatePresetBank(bank as unknown[], { latentSize: latentSizeOf(bank) });
  return FRAGMENT_PREFIX + checked.map((p) => {
    const z = Array.isArray(p.latent) ? `z${float32ToBase64Url(Float32Array.from(p.latent))}` : `s${p.latent.seed}`;
    return [escapePart(p.name), z, ...(p.model ? [`m${escapePart(p.model)}`] : [])].join('~');
  }).join(';');
}

/** Decodes `encodePresetFragment`'s text (a leading '#' is accepted). */
export function decodePresetFragment(fragment: string, opts: PresetValidationOptions = {}): Preset[] {
  const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (!text.startsWith(FRAGMENT_PREFIX)) throw new Error(`invalid preset fragment: must start with "${FRAGMENT_PREFIX}"`);
  const body = text.slice(FRAGMENT_PREFIX.length);
  if (body === '') return [];
  const bank = body.split(';').map((entry, i) => {
    const [name, z, ...rest] = entry.split('~');
    if (!name || !z) throw new Error(`invalid preset fragment: entry #${i} must be name~s<seed> or name~z<base64>`);
    let latent: PresetLatent;
    if (z[0] === 's' && /^s\d+$/.test(z)) latent = { seed: Number(z.slice(1)) };
    else if (z[0] === 'z') latent = Array.from(base64UrlToFloat32(z.slice(1), `entry #${i}`));
    else throw new Error(`invalid preset fragment: entry #${i} latent "${z.slice(0, 12)}" must start with s<digits> or z`);
    const preset: Record<string, unknown> = { name: unescapePart(name, i), latent };
    for (const part of rest) {
      if (part[0] !== 'm') throw new Error(`invalid preset fragment: entry #${i} has unknown field "${part.slice(0, 12)}"`);
      preset.model = unescapePart(part.slice(1), i);
    }
    return preset;
  });
  return validatePresetBank(bank, opts);
}

function latentSizeOf(bank: readonly Preset[]): number {
  const full = bank.find((p) => Array.isArray(p?.latent));
  return full ? (full.latent as number[]).length : LATENT_SIZE;
}

function escapePart(s: string): string {
  return encodeURIComponent(s).replace(/~/g, '%7E');
}

function unescapePart(s: string, i: number): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new Error(`invalid preset fragment: entry #${i} has a bad %-escape`);
  }
}

/** float32 (little-endian bytes) → base64url without padding. */
export function float32ToBase64Url(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Inverse of float32ToBase64Url. */
export function base64UrlToFloat32(text: string, what = 'latent'): Float32Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error(`invalid preset fragment: ${what} has characters outside base64url`);
  let bin: string;
  try {
    bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    throw new Error(`invalid preset fragment: ${what} is not valid base64url`);
  }
  if (bin.length % 4 !== 0) throw new Error(`invalid preset fragment: ${what} is ${bin.length} bytes, not a whole number of float32s`);
  const view = new DataView(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) view.setUint8(i, bin.charCodeAt(i));
  const out = new Float32Array(bin.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  const s = JSON.stringify(v);
  return s === undefined ? typeof v : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
