/**
 * The plugin's WamNode: the SDK's host-facing node (parameters, events, state, compensation delay) whose port also
 * carries the voice engine's messages, wrapped as `{ gansynth: … }` (params.ts), in both directions. It is the
 * AudioEngineController's VoiceLink, and tells the plugin when the processor's morph or preset changed.
 */
import { WamNode } from '@webaudiomodules/sdk';
import type { WebAudioModule } from '@webaudiomodules/api';
import type { FromWorklet } from '../shared/protocol.ts';
import type { VoiceLink } from '../ui/voice-link.ts';
import { PARAM, type DownMessage, type UpMessage } from './params.ts';

/** A morph or preset value the processor reported. */
export type SoundParamHandler = (id: typeof PARAM.morph | typeof PARAM.preset, value: number) => void;

/** What the node asks of its plugin for the parts of the state the processor does not hold. */
export interface StateOwner {
  /** The state besides parameter values (presets, model). */
  instrumentState(): object;
  /** Applies a whole state; resolves once applied (not rendered). */
  restore(state: unknown): Promise<void>;
}

export class GansynthWamNode extends WamNode {
  private voiceHandler: ((m: FromWorklet) => void) | undefined;
  private paramHandler: SoundParamHandler | undefined;
  owner: StateOwner | undefined;

  /** The SDK's scripts, then the processor (dist/wam/processor.js) that subclasses them. */
  static async addModulesWithProcessor(ctx: BaseAudioContext, moduleId: string, processorUrl: string): Promise<void> {
    await WamNode.addModules(ctx, moduleId);
    await ctx.audioWorklet.addModule(processorUrl).catch((e: unknown) => {
      throw new Error(`could not load the plugin's processor from ${processorUrl}: ${(e as Error).message ?? e}`);
    });
  }

  constructor(module: WebAudioModule, presetNames: readonly string[]) {
    super(module, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [2], processorOptions: { presetNames: [...presetNames] } });
    // (WamNode's addEventListener takes WAM event types only.)
    this.onprocessorerror = () => console.error('GANSynth WAM: the processor failed to start or threw (see the AudioWorklet error above)');
  }

  /** The link the AudioEngineController drives the voices through. */
  voiceLink(): VoiceLink {
    return {
      node: this,
      post: (m, transfer) => this.port.postMessage({ gansynth: m } satisfies DownMessage, transfer),
      listen: (handler) => {
        this.voiceHandler = handler;
      },
      // The port is the SDK's too: destroy() closes it.
      close: () => {},
    };
  }

  onSoundParam(handler: SoundParamHandler): void {
    this.paramHandler = handler;
  }

  /** Gives the processor the preset names (the preset parameter's choices). */
  setPresetNames(names: readonly string[]): void {
    this.port.postMessage({ gansynth: { type: 'presetNames', names: [...names] } } satisfies DownMessage);
  }

  /** Parameter values (the processor's), the presets with their latents and the model: a new instance given it sounds the same. */
  override async getState(): Promise<unknown> {
    const params = (await super.getState()) as Record<string, unknown>;
    return { ...(this.owner?.instrumentState() ?? {}), ...params };
  }

  override async setState(state: unknown): Promise<void> {
    if (this.owner) await this.owner.restore(state);
    else await super.setState(state);
  }

  /** The SDK's setState, for the plugin's restore (parameter values only). */
  setProcessorState(state: unknown): Promise<void> {
    return super.setState(state);
  }

  override _onMessage(message: MessageEvent): void {
    const data = message.data as Partial<UpMessage> | null;
    if (!data || typeof data !== 'object' || !('gansynth' in data)) return super._onMessage(message);
    const m = data.gansynth!;
    if (m.type === 'param') this.paramHandler?.(m.id, m.value);
    else this.voiceHandler?.(m);
  }
}
