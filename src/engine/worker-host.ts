/**
 * The render Worker's logic, bound to any message port: worker.ts attaches it to the Worker's global scope;
 * Node tests attach it to one end of a real MessageChannel.
 */
import { selectBackendExplained } from './backend.ts';
import { filesFetch } from './model-files.ts';
import { NoteRenderer } from './renderer.ts';
import { type LoadedModel, loadModel } from './weights.ts';
import { invertWavBytes } from './invert.ts';
import type { FromRenderWorker, RenderPort, ToRenderWorker, WorkerRendererOptions } from './worker-protocol.ts';

/**
 * The backend first (tensors are made on the current one), then the model (from its URL, or from the chosen
 * files) with its download progress posted as 'progress' messages, then a NoteRenderer on that backend. The
 * caller owns (disposes) the model.
 */
async function startRenderer(o: WorkerRendererOptions, post: (m: FromRenderWorker) => void): Promise<{ renderer: NoteRenderer; model: LoadedModel; backendReason: string }> {
  // The whole options object: backend options the protocol gains later (wasm threads) reach selectBackend as they are.
  const { reason: backendReason } = await selectBackendExplained(o.backend ?? 'auto', o);
  const model = await loadModel(o.modelFiles ? '' : o.model, {
    ...(o.modelFiles ? { fetchFn: filesFetch(o.modelFiles) } : {}), cache: o.cache, toRgbHeSlope: o.toRgbHeSlope,
    onProgress: (loadedBytes, totalBytes) => post({ type: 'progress', loadedBytes, totalBytes }),
  });
  try {
    const renderer = new NoteRenderer({ ...o, model, backend: 'current' });
    await renderer.initialize();
    return { renderer, model, backendReason };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Serves ToRenderWorker messages on `port` until a 'dispose' message; returns a detach function. */
export function attachRenderWorker(port: RenderPort): () => void {
  let renderer: NoteRenderer | null = null;
  let model: LoadedModel | null = null;
  let disposed = false;
  let ready: Promise<NoteRenderer> | null = null;
  /** Renders and inversions running, by id, to abort on cancel or dispose. */
  const jobs = new Map<number, AbortController>();
  const post = (m: FromRenderWorker, transfer: Transferable[] = []) => port.postMessage(m, transfer);
  const fail = (id: number | null, e: unknown) => {
    const err = e as Error;
    post({ type: 'error', id, name: err?.name ?? 'Error', message: err?.message ?? String(e) });
  };

  /** A cancellable job: `id` is what a 'cancel' aborts; it runs once the renderer is ready; failures go back as 'error'. */
  const job = (id: number, what: string, body: (r: NoteRenderer, signal: AbortSignal) => Promise<void>) => {
    const controller = new AbortController();
    jobs.set(id, controller);
    void (async () => {
      try {
        if (!ready) throw new Error(`render worker: ${what} before init`);
        await body(await ready, controller.signal);
      } catch (e) {
        fail(id, e);
      } finally {
        jobs.delete(id);
      }
    })();
  };

  const onMessage = (event: MessageEvent) => {
    const m = event.data as ToRenderWorker;
    switch (m.type) {
      case 'init': {
        if (ready) {
          fail(null, new Error('render worker: init sent twice'));
          return;
        }
        ready = startRenderer(m.options, post).then((started) => {
          const r = started.renderer;
          if (disposed) {
            r.dispose();
            started.model.dispose();
            throw new Error('render worker disposed during init');
          }
          renderer = r;
          model = started.model;
          post({
            type: 'ready',
            info: {
              backend: r.backend, maxBatch: r.maxBatch, outputLength: r.outputLength(), sampleRateHz: m.options.sampleRateHz,
              modelName: started.model.meta.name ?? r.config.name, limitSource: r.backendLimits?.source ?? '',
              backendReason: started.backendReason, modelFormat: started.model.format, latentSize: started.model.config.latentSize, untrained: started.model.meta.untrained === true,
            },
          });
          return r;
        });
        ready.catch((e) => fail(null, e));
        return;
      }
      case 'render':
        job(m.id, 'render', async (r, signal) => {
          await r.renderBank(m.latent, m.pitches, {
            priority: m.priority,
            signal,
            onNote: (pitch, samples, index) => post({ type: 'note', id: m.id, pitch, index, samples }, [samples.buffer]),
          });
          post({ type: 'done', id: m.id });
        });
        return;
      case 'invert':
        job(m.id, 'invert', async (_r, signal) => {
          const result = await invertWavBytes(model!, new Uint8Array(m.bytes), m.source, {
            ...m.options, signal,
            onStep: (p) => post({ type: 'invert-step', id: m.id, step: p.step, steps: p.steps, bestLoss: p.bestLoss, bestDistanceDb: p.bestDistanceDb }),
          });
          post({ type: 'inverted', id: m.id, result });
        });
        return;
      case 'cancel':
        jobs.get(m.id)?.abort();
        return;
      case 'dispose':
        for (const c of jobs.values()) c.abort();
        disposed = true;
        renderer?.dispose();
        model?.dispose();
        renderer = null;
        model = null;
        port.removeEventListener('message', onMessage);
        return;
      default: {
        const never: never = m;
        fail(null, new Error(`render worker: unknown message ${JSON.stringify(never)}`));
      }
    }
  };
  port.addEventListener('message', onMessage);
  port.start?.();
  return () => port.removeEventListener('message', onMessage);
}
