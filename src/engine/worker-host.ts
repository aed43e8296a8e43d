/**
 * The render Worker's logic, bound to any message port: worker.ts attaches it to the Worker's global scope;
 * Node tests attach it to one end of a real MessageChannel.
 */
import { NoteRenderer } from './renderer.ts';
import type { FromRenderWorker, RenderPort, ToRenderWorker } from './worker-protocol.ts';

/** Serves ToRenderWorker messages on `port` until a 'dispose' message; returns a detach function. */
export function attachRenderWorker(port: RenderPort): () => void {
  let renderer: NoteRenderer | null = null;
  let ready: Promise<NoteRenderer> | null = null;
  const renders = new Map<number, AbortController>();
  const post = (m: FromRenderWorker, transfer: Transferable[] = []) => port.postMessage(m, transfer);
  const fail = (id: number | null, e: unknown) => {
    const err = e as Error;
    post({ type: 'error', id, name: err?.name ?? 'Error', message: err?.message ?? String(e) });
  };

  const onMessage = (event: MessageEvent) => {
    const m = event.data as ToRenderWorker;
    switch (m.type) {
      case 'init': {
        if (ready) {
          fail(null, new Error('render worker: init sent twice'));
          return;
        }
        const r = new NoteRenderer({ ...m.options });
        ready = r.initialize().then(() => {
          renderer = r;
          post({
            type: 'ready',
            info: {
              backend: r.backend, maxBatch: r.maxBatch, outputLength: r.outputLength(), sampleRateHz: m.options.sampleRateHz,
              modelName: r.config.name, limitSource: r.backendLimits?.source ?? '',
            },
          });
          return r;
        });
        ready.catch((e) => fail(null, e));
        return;
      }
      case 'render': {
        const controller = new AbortController();
        renders.set(m.id, controller);
        void (async () => {
          try {
            if (!ready) throw new Error('render worker: render before init');
            const r = await ready;
            await r.renderBank(m.latent, m.pitches, {
              priority: m.priority,
              signal: controller.signal,
              onNote: (pitch, samples, index) => post({ type: 'note', id: m.id, pitch, index, samples }, [samples.buffer]),
            });
            post({ type: 'done', id: m.id });
          } catch (e) {
            fail(m.id, e);
          } finally {
            renders.delete(m.id);
          }
        })();
        return;
      }
      case 'cancel':
        renders.get(m.id)?.abort();
        return;
      case 'dispose':
        for (const c of renders.values()) c.abort();
        renderer?.dispose();
        renderer = null;
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
