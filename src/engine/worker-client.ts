/**
 * RenderWorkerClient: NoteRenderer's renderBank over postMessage to a Worker running worker.ts, so the
 * generator never blocks the page. Note buffers arrive transferred; a new render supersedes the previous one
 * (the Worker aborts it between batches and its promise rejects with an AbortError).
 */
import { abortError } from './abort.ts';
import type { RenderOptions } from './renderer.ts';
import type { FromRenderWorker, RenderPort, RenderWorkerInfo, ToRenderWorker, WorkerInvertOptions, WorkerRendererOptions } from './worker-protocol.ts';
import type { InvertedSound } from './invert.ts';

export type { RenderWorkerInfo, WorkerRendererOptions } from './worker-protocol.ts';

/** RenderWorkerClient's options: the Worker's renderer options plus page-side callbacks (never posted). */
export interface RenderWorkerClientOptions extends WorkerRendererOptions {
  /** Model download progress in bytes (loadModel's onProgress, forwarded from the Worker), before initialize resolves. */
  onLoadProgress?: (loadedBytes: number, totalBytes: number) => void;
}

interface Pending {
  resolve(bank: Map<number, Float32Array>): void;
  reject(e: Error): void;
  onNote?: RenderOptions['onNote'];
  bank: Map<number, Float32Array>;
  cleanup(): void;
}

/** Options of {@link RenderWorkerClient.invert}: the Worker's options plus page-side ones (never posted). */
export interface ClientInvertOptions extends WorkerInvertOptions {
  signal?: AbortSignal;
  onStep?: (p: { step: number; steps: number; bestLoss: number; bestDistanceDb: number }) => void;
}

interface PendingInversion {
  resolve(r: InvertedSound): void;
  reject(e: Error): void;
  onStep?: ClientInvertOptions['onStep'];
  cleanup(): void;
}

/** Talks to a render Worker (or any RenderPort serving attachRenderWorker). */
export class RenderWorkerClient {
  private readonly port: RenderPort;
  private readonly ownedWorker: Worker | null;
  private readonly options: WorkerRendererOptions;
  private readonly onLoadProgress: RenderWorkerClientOptions['onLoadProgress'];
  private readonly pending = new Map<number, Pending>();
  private readonly inversions = new Map<number, PendingInversion>();
  private nextId = 1;
  private info: RenderWorkerInfo | null = null;
  private initWaiter: { resolve(i: RenderWorkerInfo): void; reject(e: Error): void } | null = null;
  private readonly listener = (e: MessageEvent) => this.onMessage(e.data as FromRenderWorker);

  /**
   * `worker`: a Worker / MessagePort already running worker.ts, or the URL of the worker bundle (a module
   * Worker is started and terminated on dispose). Relative model and wasm URLs are resolved against the page
   * (with `modelFiles`, `model` is only a label). Does no I/O.
   */
  constructor(worker: RenderPort | URL | string, options: RenderWorkerClientOptions) {
    if (typeof options?.model !== 'string') throw new Error('RenderWorkerClient: options.model must be a model URL');
    const base = typeof location !== 'undefined' ? location.href : undefined;
    const abs = (u: string) => (base ? new URL(u, base).href : u);
    const { onLoadProgress, ...workerOptions } = options;
    if (onLoadProgress !== undefined && typeof onLoadProgress !== 'function') throw new Error('RenderWorkerClient: onLoadProgress must be a function');
    this.onLoadProgress = onLoadProgress;
    this.options = {
      ...workerOptions, model: options.modelFiles ? options.model : abs(options.model),
      ...(options.wasmPath ? { wasmPath: abs(options.wasmPath) } : {}),
    };
    if (typeof worker === 'string' || worker instanceof URL) {
      this.ownedWorker = new Worker(worker, { type: 'module' });
      this.port = this.ownedWorker as unknown as RenderPort;
      // A Worker script that fails to load or throws at top level posts no message: fail initialize() instead of hanging.
      this.ownedWorker.addEventListener('error', (e) => {
        const err = new Error(`render worker ${String(worker)} failed: ${e.message || 'script error (check its URL and the console)'}`);
        this.initWaiter?.reject(err);
        this.initWaiter = null;
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    } else {
      this.ownedWorker = null;
      this.port = worker;
    }
  }

  /** Starts the Worker's renderer (backend, model, resampler); resolves with what it chose. */
  initialize(): Promise<RenderWorkerInfo> {
    if (this.info) return Promise.resolve(this.info);
    return new Promise((resolve, reject) => {
      this.initWaiter = { resolve, reject };
      this.port.addEventListener('message', this.listener);
      this.port.start?.();
      this.send({ type: 'init', options: this.options });
    });
  }

  /** What the Worker chose (after initialize). */
  get workerInfo(): RenderWorkerInfo | null {
    return this.info;
  }

  /** Same contract as NoteRenderer.renderBank, across the Worker boundary. */
  renderBank(latent: Float32Array, pitches: readonly number[], opts: RenderOptions = {}): Promise<Map<number, Float32Array>> {
    if (!this.info) return Promise.reject(new Error('RenderWorkerClient: call initialize() first'));
    if (opts.signal?.aborted) return Promise.reject(abortError());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.send({ type: 'cancel', id });
      opts.signal?.addEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve, reject, onNote: opts.onNote, bank: new Map(),
        cleanup: () => opts.signal?.removeEventListener('abort', onAbort),
      });
      this.send({ type: 'render', id, latent: latent.slice(), pitches: [...pitches], priority: [...(opts.priority ?? [])] });
    });
  }

  /**
   * Sound → preset in the Worker (invert.ts invertWavBytes on the Worker's model and backend): `bytes` (a WAV file,
   * copied, then transferred) named `source`. Steps are reported through `onStep`; `signal` cancels (AbortError).
   */
  invert(bytes: Uint8Array, source: string, opts: ClientInvertOptions = {}): Promise<InvertedSound> {
    if (!this.info) return Promise.reject(new Error('RenderWorkerClient: call initialize() first'));
    if (opts.signal?.aborted) return Promise.reject(abortError('inversion aborted'));
    const id = this.nextId++;
    const { signal, onStep, ...options } = opts;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.send({ type: 'cancel', id });
      signal?.addEventListener('abort', onAbort);
      this.inversions.set(id, { resolve, reject, onStep, cleanup: () => signal?.removeEventListener('abort', onAbort) });
      const copy = bytes.slice().buffer;
      this.port.postMessage({ type: 'invert', id, bytes: copy, source, options } satisfies ToRenderWorker, [copy]);
    });
  }

  /** Aborts pending renders, frees the Worker's tensors, and terminates a Worker this client started. */
  dispose(): void {
    for (const p of this.pending.values()) {
      p.cleanup();
      p.reject(abortError('render worker disposed'));
    }
    this.pending.clear();
    for (const p of this.inversions.values()) {
      p.cleanup();
      p.reject(abortError('render worker disposed'));
    }
    this.inversions.clear();
    this.send({ type: 'dispose' });
    this.port.removeEventListener('message', this.listener);
    this.ownedWorker?.terminate();
    this.info = null;
  }

  private send(m: ToRenderWorker): void {
    this.port.postMessage(m);
  }

  private onMessage(m: FromRenderWorker): void {
    switch (m.type) {
      case 'ready':
        this.info = m.info;
        this.initWaiter?.resolve(m.info);
        this.initWaiter = null;
        return;
      case 'progress':
        this.onLoadProgress?.(m.loadedBytes, m.totalBytes);
        return;
      case 'note': {
        const p = this.pending.get(m.id);
        if (!p) return;
        p.bank.set(m.pitch, m.samples);
        p.onNote?.(m.pitch, m.samples, m.index);
        return;
      }
      case 'done': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        p.cleanup();
        p.resolve(p.bank);
        return;
      }
      case 'invert-step':
        this.inversions.get(m.id)?.onStep?.({ step: m.step, steps: m.steps, bestLoss: m.bestLoss, bestDistanceDb: m.bestDistanceDb });
        return;
      case 'inverted': {
        const p = this.inversions.get(m.id);
        if (!p) return;
        this.inversions.delete(m.id);
        p.cleanup();
        p.resolve(m.result);
        return;
      }
      case 'error': {
        const err = m.name === 'AbortError' ? abortError(m.message) : Object.assign(new Error(`render worker: ${m.message}`), { name: m.name });
        if (m.id === null) {
          this.initWaiter?.reject(err);
          this.initWaiter = null;
          return;
        }
        const p = this.pending.get(m.id) ?? this.inversions.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.inversions.delete(m.id);
        p.cleanup();
        p.reject(err);
        return;
      }
      default: {
        const never: never = m;
        throw new Error(`render worker client: unknown message ${JSON.stringify(never)}`);
      }
    }
  }
}
