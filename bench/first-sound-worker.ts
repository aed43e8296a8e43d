/**
 * The render Worker of the first-sound bench: src/engine/worker.ts's host, with the backend selected here first (so
 * its time is measured apart from the model's) with `?wasm-threads=N` from this script's URL (and `?max-batch=B` handed to the renderer), and the timings and
 * the selection's reason sent to the page on the BroadcastChannel `FIRST_SOUND_CHANNEL`. The renderer then keeps
 * the backend ('current'), which is the same work NoteRenderer.initialize would do.
 */
import { selectBackendExplained } from '../src/engine/backend.ts';
import { attachRenderWorker } from '../src/engine/worker-host.ts';
import type { FromRenderWorker, RenderPort, ToRenderWorker } from '../src/engine/worker-protocol.ts';
import { FIRST_SOUND_CHANNEL, type FirstSoundWorkerReport } from './first-sound-protocol.ts';

const scope = self as unknown as RenderPort & { location: Location };
const query = new URL(scope.location.href).searchParams;
const wasmThreads = query.get('wasm-threads') ? Number(query.get('wasm-threads')) : undefined;
const maxBatch = query.get('max-batch') ? Number(query.get('max-batch')) : undefined;
const channel = new BroadcastChannel(FIRST_SOUND_CHANNEL);
const report = (r: FirstSoundWorkerReport) => channel.postMessage(r);
const epochNow = () => performance.timeOrigin + performance.now();

const listeners: ((e: MessageEvent) => void)[] = [];
const port: RenderPort = {
  postMessage(m: unknown, transfer: Transferable[] = []) {
    if ((m as FromRenderWorker).type === 'ready') report({ type: 'worker-ready', epochMs: epochNow() });
    scope.postMessage(m, transfer);
  },
  addEventListener: (_type, l) => void listeners.push(l),
  removeEventListener: (_type, l) => void listeners.splice(listeners.indexOf(l), 1),
};

/** Selects the backend for an 'init' message, then hands on an init that keeps it. */
async function rewrite(m: ToRenderWorker): Promise<ToRenderWorker> {
  if (m.type !== 'init') return m;
  const startEpochMs = epochNow();
  try {
    const s = await selectBackendExplained(m.options.backend ?? 'auto', { wasmPath: m.options.wasmPath, wasmThreads });
    report({ type: 'selected', startEpochMs, endEpochMs: epochNow(), backend: s.backend, reason: s.reason, threads: s.wasm?.threads });
    return { ...m, options: { ...m.options, backend: 'current', ...(maxBatch ? { maxBatch } : {}) } };
  } catch (e) {
    report({ type: 'select-failed', message: (e as Error).message });
    return m; // the renderer fails the same way and the page hears it
  }
}

// Messages are handed on in order, each after the previous one's selection finished.
let queue: Promise<void> = Promise.resolve();
scope.addEventListener('message', (e: MessageEvent) => {
  queue = queue.then(async () => {
    const data = await rewrite(e.data as ToRenderWorker);
    for (const l of [...listeners]) l(new MessageEvent('message', { data }));
  });
});
attachRenderWorker(port);
