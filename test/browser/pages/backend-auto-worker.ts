/** Module Worker of the backend-selection test: one probeSelection per 'probe' message. */
import { probeSelection } from './backend-probe.ts';

self.addEventListener('message', (e: MessageEvent<{ choice: 'auto'; wasmThreads?: number }>) => {
  void probeSelection(e.data.choice, e.data.wasmThreads).then((r) => self.postMessage(r));
});
