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

/** What every job in flight has: how to fail it, and how to stop listening to its signal. */
interface JobBase {
  reject(e: Error): void;
  cleanup(): void;
}

interface PendingRender extends JobBase {
  kind: 'render';
  resolve(bank: Map<number, Float32Array>): void;
  onNote?: RenderOptions['onNote'];
  bank: Map<number, Float32Array>;
}

/** Options of {@link RenderWorkerClient.invert}: the Worker's options plus page-side ones (never posted). */
export interface ClientInvertOptions extends WorkerInvertOptions {
  signal?: AbortSignal;
  onStep?: (p: { step: number; steps: number; bestLoss: number; bestDistanceDb: number }) => void;
}

interface PendingInversion extends JobBase {
  kind: 'invert';
  resolve(r: InvertedSound): void;
  onStep?: ClientInvertOptions['onStep'];
}

type Job = PendingRender | PendingInversion;

/** Talks to a render Worker (or any RenderPort serving attachRenderWorker). */
export class RenderWorkerClient {
  private readonly port: RenderPort;
  private readonly ownedWorker: Worker | null;
  private readonly options: WorkerRendererOptions;
  private readonly onLoadProgress: RenderWorkerClientOptions['onLoadProgress'];
  /** Renders and inversions in flight, by id. */
  private readonly jobs = new Map<number, Job>();
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
        this.failAll(err);
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
      this.jobs.set(id, {
        kind: 'render', resolve, reject, onNote: opts.onNote, bank: new Map(),
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
      this.jobs.set(id, { kind: 'invert', resolve, reject, onStep, cleanup: () => signal?.removeEventListener('abort', onAbort) });
      const copy = bytes.slice().buffer;
      this.port.postMessage({ type: 'invert', id, bytes: copy, source, options } satisfies ToRenderWorker, [copy]);
    });
  }

  /** Aborts pending renders, frees the Worker's tensors, and terminates a Worker this client started. */
  dispose(): void {
    this.failAll(abortError('render worker disposed'));
    this.send({ type: 'dispose' });
    this.port.removeEventListener('message', this.listener);
    this.ownedWorker?.terminate();
    this.info = null;
  }

  private send(m: ToRenderWorker): void {
    this.port.postMessage(m);
  }

  /** Removes job `id` and stops listening to its signal; the caller resolves or rejects what it returns. */
  private settle(id: number): Job | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    this.jobs.delete(id);
    job.cleanup();
    return job;
  }

  /** Fails every job in flight with `err`. */
  private failAll(err: Error): void {
    for (const id of [...this.jobs.keys()]) this.settle(id)?.reject(err);
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
        const p = this.jobs.get(m.id);
        if (p?.kind !== 'render') return;
        p.bank.set(m.pitch, m.samples);
        p.onNote?.(m.pitch, m.samples, m.index);
        return;
      }
      case 'done': {
        const p = this.settle(m.id);
        if (p?.kind === 'render') p.resolve(p.bank);
        return;
      }
      case 'invert-step': {
        const p = this.jobs.get(m.id);
        if (p?.kind === 'invert') p.onStep?.({ step: m.step, steps: m.steps, bestLoss: m.bestLoss, bestDistanceDb: m.bestDistanceDb });
        return;
      }
      case 'inverted': {
        const p = this.settle(m.id);
        if (p?.kind === 'invert') p.resolve(m.result);
        return;
      }
      case 'error': {
        const err = m.name === 'AbortError' ? abortError(m.message) : Object.assign(new Error(`render worker: ${m.message}`), { name: m.name });
        if (m.id === null) {
          this.initWaiter?.reject(err);
          this.initWaiter = null;
          return;
        }
        this.settle(m.id)?.reject(err);
        return;
      }
      default: {
        const never: never = m;
        throw new Error(`render worker client: unknown message ${JSON.stringify(never)}`);
      }
    }
  }
}
