/**
 * The `gansynth-voices` AudioWorkletProcessor (STYLE.md §2): registers, forwards port messages and process() to a
 * VoiceEngine, nothing else. Built by rollup into dist/worklet/processor.js (one self-contained file).
 *
 * processorOptions (optional): `{ config?: Partial<VoiceConfig> }`, the engine settings to start with.
 */
import { WORKLET_PROCESSOR_NAME, type FromWorklet, type ToWorklet, type VoiceConfig } from '../shared/protocol.ts';
import { VoiceEngine } from './voice-engine.ts';

class GansynthVoicesProcessor extends AudioWorkletProcessor {
  private readonly engine: VoiceEngine;

  constructor(options?: AudioWorkletProcessorOptions) {
    super(options);
    const post = (m: FromWorklet): void => this.port.postMessage(m);
    const processorOptions = options?.processorOptions as { config?: Partial<VoiceConfig> } | undefined;
    this.engine = new VoiceEngine(sampleRate, post, processorOptions?.config ?? {});
    this.port.onmessage = (ev) => this.engine.handleMessage(ev.data as ToWorklet);
    post({ type: 'ready', sampleRateHz: sampleRate, config: this.engine.config });
  }

  override process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    return this.engine.process(outputs[0]!, currentFrame);
  }
}

registerProcessor(WORKLET_PROCESSOR_NAME, GansynthVoicesProcessor);
