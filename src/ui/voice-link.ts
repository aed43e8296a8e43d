/**
 * How the AudioEngineController reaches its voice engine (src/worklet's VoiceEngine, in an AudioWorklet).
 */
import { WORKLET_PROCESSOR_NAME, type FromWorklet, type ToWorklet } from '../shared/protocol.ts';

/**
 * The voice engine's end of the controller: by default a `gansynth-voices` AudioWorkletNode; the WAM plugin gives
 * its WamNode (src/wam/node.ts), whose processor runs the same VoiceEngine.
 */
export interface VoiceLink {
  /** The node that sounds. */
  readonly node: AudioNode;
  post(m: ToWorklet, transfer: Transferable[]): void;
  /** Receives the engine's replies (ready, bankAccepted, stats, error). */
  listen(handler: (m: FromWorklet) => void): void;
  close(): void;
}

const moduleLoads = new WeakMap<BaseAudioContext, Promise<void>>();

/** Loads the voice processor from `url` (once per context) and links a new `gansynth-voices` node (mono out). */
export async function createWorkletLink(ctx: BaseAudioContext, url: string): Promise<VoiceLink> {
  let load = moduleLoads.get(ctx);
  if (!load) {
    load = ctx.audioWorklet.addModule(url).catch((e: unknown) => {
      moduleLoads.delete(ctx);
      throw new Error(`could not load the voice worklet from ${url}: ${(e as Error).message ?? e}`);
    });
    moduleLoads.set(ctx, load);
  }
  await load;
  return workletLink(new AudioWorkletNode(ctx, WORKLET_PROCESSOR_NAME, { numberOfInputs: 0, outputChannelCount: [1] }));
}

/** A VoiceLink over a plain AudioWorkletNode of the voice processor. */
function workletLink(node: AudioWorkletNode): VoiceLink {
  return {
    node,
    post: (m, transfer) => node.port.postMessage(m, transfer),
    listen: (handler) => {
      node.port.onmessage = (e: MessageEvent<FromWorklet>) => handler(e.data);
    },
    close: () => node.port.close(),
  };
}
