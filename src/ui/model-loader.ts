/**
 * Loads the instrument's model, before and after boot: the sources of a `model` value (model-catalog.ts) are tried
 * in order, each with a fresh renderer, until one initialises; that renderer replaces the engine's (the old model's
 * notes sound on until the new ones arrive). A newer request supersedes one still loading. Failures are collected
 * into a notice ("acoustic_only: …: HTTP 404; playing the built-in model") instead of leaving the instrument mute.
 */
import type { BankRenderer } from './audio-engine-controller.ts';
import { modelCandidates, type ModelFiles, type ModelSource, type TrainedProbe } from './model-catalog.ts';

/** What a load asks for: a `model` value, or files the user chose. */
export interface ModelRequest {
  readonly value: string;
  readonly files?: ModelFiles;
  readonly filesLabel?: string;
}

/** A model in use. */
export interface LoadedModelInfo {
  readonly source: ModelSource;
  readonly renderer: BankRenderer;
  /** Why an earlier source was passed over ('' when the first one loaded). */
  readonly notice: string;
  /** True when the source was the model already playing (kept, not reloaded). */
  readonly reused?: boolean;
}

/** What the loader needs from its host. */
export interface ModelLoaderHost {
  /** Makes an uninitialised renderer for `source`, reporting download progress. */
  makeRenderer(source: ModelSource, onLoadProgress: (loadedBytes: number, totalBytes: number) => void): BankRenderer;
  /** Installs an initialised renderer (the engine's `useRenderer`). */
  install(info: LoadedModelInfo): void;
  /** The loader's public state changed (progress, notice): re-render. */
  changed(): void;
  /** The settings a renderer depends on besides the model (backend, worker…), to tell whether a reload is needed. */
  settingsKey(): string;
}

const MB = 1e6;

/** "12.3 of 29.2 MB". */
export function formatBytesOf(loadedBytes: number, totalBytes: number): string {
  return `${(loadedBytes / MB).toFixed(1)} of ${(totalBytes / MB).toFixed(1)} MB`;
}

/** See the module comment. */
export class ModelLoader {
  /** The model in use, once one has loaded. */
  current: LoadedModelInfo | undefined;
  /** Download / initialisation progress for the status line ('' when idle). */
  progressText = '';
  /** Why the model playing is not the one asked for ('' when it is). */
  notice = '';
  /** Local files the user chose: they win over the `model` value until that changes. */
  files: { readonly files: ModelFiles; readonly label: string } | undefined;
  private currentKey = '';
  private seq = 0;

  constructor(private readonly host: ModelLoaderHost, private readonly builtinUrl: () => string, private readonly probe?: TrainedProbe) {}

  /**
   * Loads what `request` names. Resolves with the model now in use, or undefined when a newer request superseded
   * this one; rejects (naming every source tried) when no source, the built-in model included, could be loaded.
   */
  async load(request: ModelRequest): Promise<LoadedModelInfo | undefined> {
    const seq = ++this.seq;
    const info = await this.loadFirst(request, seq);
    if (info) {
      this.notice = info.notice;
      this.host.changed();
    }
    return info;
  }

  /** Forgets the model in use (its renderer was disposed with the engine) and cancels a load in flight. */
  reset(): void {
    this.seq++;
    this.current = undefined;
    this.currentKey = '';
    this.progressText = this.notice = '';
  }

  /** Loads the `model` value, or the chosen files when there are any. */
  loadValue(value: string): Promise<LoadedModelInfo | undefined> {
    const f = this.files;
    return this.load(f ? { value, files: f.files, filesLabel: f.label } : { value });
  }

  /** What the picker shows: the value, or `local:<label>` for chosen files. */
  pickerValue(value: string): string {
    return this.files ? `local:${this.files.label}` : value;
  }

  private progress(text: string): void {
    this.progressText = text;
    this.host.changed();
  }

  private async loadFirst(request: ModelRequest, seq: number): Promise<LoadedModelInfo | undefined> {
    const stale = () => seq !== this.seq;
    const candidates = await modelCandidates(request.value, this.builtinUrl(), { files: request.files, filesLabel: request.filesLabel, probe: this.probe });
    if (stale()) return undefined;
    const failures: string[] = [];
    const settings = this.host.settingsKey();
    try {
      for (const source of candidates) {
        const notice = failures.length ? `${failures.join('; ')}; playing the ${source.label}` : '';
        // Falling back to what already plays: keep it (no reload, no re-render).
        if (this.current && !source.files && this.keyOf(source, settings) === this.currentKey) {
          const info = { ...this.current, notice, reused: true };
          this.current = info;
          return info;
        }
        this.progress(`loading ${source.label}…`);
        const renderer = this.host.makeRenderer(source, (loaded, total) => {
          if (!stale()) this.progress(`loading ${source.label}: ${formatBytesOf(loaded, total)}`);
        });
        try {
          await renderer.initialize();
        } catch (e) {
          renderer.dispose();
          if (stale()) return undefined;
          failures.push(`${source.label} could not be loaded (${(e as Error).message ?? e})`);
          continue;
        }
        if (stale()) {
          renderer.dispose();
          return undefined;
        }
        const info: LoadedModelInfo = { source, renderer, notice };
        this.current = info;
        this.currentKey = source.files ? `files:${seq}` : this.keyOf(source, settings);
        this.host.install(info);
        return info;
      }
    } finally {
      if (!stale()) this.progress('');
    }
    throw new Error(`no model could be loaded: ${failures.join('; ')}`);
  }

  private keyOf(source: ModelSource, settings: string): string {
    return `${source.url}\n${settings}`;
  }
}
