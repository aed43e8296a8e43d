/**
 * The AudioWorkletGlobalScope names the processor uses (Web Audio API §1.32). Declared here because src/worklet
 * compiles with lib ES2022 only (no DOM) and TypeScript ships no audioworklet lib.
 */
interface AudioWorkletMessagePort {
  onmessage: ((ev: { readonly data: unknown }) => void) | null;
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
}

declare abstract class AudioWorkletProcessor {
  readonly port: AudioWorkletMessagePort;
  constructor(options?: unknown);
  abstract process(inputs: Float32Array[][], outputs: Float32Array[][], parameters: Record<string, Float32Array>): boolean;
}

/** What the node's constructor passes on (AudioWorkletNodeOptions). */
interface AudioWorkletProcessorOptions {
  readonly processorOptions?: unknown;
}
declare function registerProcessor(name: string, processorCtor: new (options?: AudioWorkletProcessorOptions) => AudioWorkletProcessor): void;
/** Frame of the current quantum's first sample on the context's timeline. */
declare const currentFrame: number;
/** The context's sample rate. */
declare const sampleRate: number;
