/**
 * The models the instrument offers and how a `model` attribute value becomes the list of sources to try, in order:
 *   'auto'            the built-in model when it is trained; else Magenta's acoustic_only, falling back to the
 *                     built-in model (untrained: the status line says so) when that cannot be loaded;
 *   'builtin'         the built-in model (`builtin-model`, default models/default next to the package);
 *   'acoustic_only', 'all_instruments'
 *                     Magenta's two pretrained GANSynth checkpoints, hosted by Magenta (tfjs layout);
 *   anything else     a model directory URL (ours: model.json; Magenta's: weights_manifest.json).
 * Every source but the built-in model falls back to it, so a failed download never leaves the instrument mute.
 * Pure apart from `probeTrained`, which reads the built-in model's model.json.
 */
import { MODEL_JSON, parseModelJson } from '../engine/model-format.ts';

/** Where Magenta hosts the tfjs checkpoints of GANSynth (magenta-js's `gansynth` checkpoints). */
export const MAGENTA_GANSYNTH_BASE_URL = 'https://storage.googleapis.com/magentadata/js/checkpoints/gansynth';

/** The named models, by the value the `model` attribute takes. */
export const NAMED_MODELS = Object.freeze({
  builtin: 'built-in model',
  acoustic_only: 'Magenta GANSynth acoustic_only',
  all_instruments: 'Magenta GANSynth all_instruments',
} as const);

/** A `model` attribute value with a name (else it is a URL). */
export type NamedModel = keyof typeof NAMED_MODELS;

/** The value of `model` that picks for the user (the default). */
export const AUTO_MODEL = 'auto';

/** Local model files chosen by the user: path inside the chosen folder (or bare file name) → contents. */
export type ModelFiles = ReadonlyMap<string, Blob>;

/** One place a model may be loaded from. */
export interface ModelSource {
  /** What the status line and errors call it. */
  readonly label: string;
  /** Directory URL (for `files`, a `local:` name only used as a label and cache-free id). */
  readonly url: string;
  readonly files?: ModelFiles;
  /** True for the built-in model (the last resort). */
  readonly builtin: boolean;
}

/** Default location of the built-in model: models/default/ of the package (next to dist/). */
export const DEFAULT_BUILTIN_MODEL_URL = new URL('../models/default/', import.meta.url).href;

/** The directory URL of a named Magenta checkpoint. */
export function magentaModelUrl(name: 'acoustic_only' | 'all_instruments'): string {
  return `${MAGENTA_GANSYNTH_BASE_URL}/${name}`;
}

/** A source for each named model. */
export function namedSource(name: NamedModel, builtinUrl: string): ModelSource {
  return name === 'builtin'
    ? { label: NAMED_MODELS.builtin, url: builtinUrl, builtin: true }
    : { label: NAMED_MODELS[name], url: magentaModelUrl(name), builtin: false };
}

/** The `model` value that names `url`, if any ('acoustic_only' for Magenta's hosted URL…), else the URL itself. */
export function modelValueOf(url: string, builtinUrl: string): string {
  const plain = url.replace(/\/+$/, '');
  if (plain === builtinUrl.replace(/\/+$/, '')) return 'builtin';
  for (const name of ['acoustic_only', 'all_instruments'] as const) if (plain === magentaModelUrl(name)) return name;
  return url;
}

/** Whether the built-in model at `builtinUrl` is trained (its model.json does not say `untrained`). */
export type TrainedProbe = (builtinUrl: string) => Promise<boolean>;

/** Reads the built-in model's model.json: trained unless it says untrained (or cannot be read). */
export const probeTrained: TrainedProbe = async (builtinUrl) => {
  const url = `${builtinUrl.replace(/\/+$/, '')}/${MODEL_JSON}`;
  try {
    const r = await fetch(url);
    if (!r.ok) return false;
    return parseModelJson(await r.text(), url).meta.untrained !== true;
  } catch {
    return false;
  }
};

/**
 * The sources to try for a `model` value (or local files), best first; the built-in model ends every list. `value`
 * is trimmed; an empty value means 'auto'.
 */
export async function modelCandidates(
  value: string, builtinUrl: string, opts: { files?: ModelFiles; filesLabel?: string; probe?: TrainedProbe } = {},
): Promise<ModelSource[]> {
  const builtin = namedSource('builtin', builtinUrl);
  if (opts.files) return [{ label: opts.filesLabel ?? 'local files', url: `local:${opts.filesLabel ?? 'files'}`, files: opts.files, builtin: false }, builtin];
  const v = value.trim() || AUTO_MODEL;
  if (v === AUTO_MODEL) {
    const trained = await (opts.probe ?? probeTrained)(builtinUrl);
    return trained ? [builtin] : [namedSource('acoustic_only', builtinUrl), builtin];
  }
  if (v in NAMED_MODELS) {
    const named = namedSource(v as NamedModel, builtinUrl);
    return named.builtin ? [named] : [named, builtin];
  }
  const url = typeof location === 'undefined' ? v : new URL(v, location.href).href;
  const named = modelValueOf(url, builtinUrl);
  if (named !== url) return modelCandidates(named, builtinUrl, opts);
  return [{ label: url, url, builtin: false }, builtin];
}
