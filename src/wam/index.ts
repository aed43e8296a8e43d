/**
 * `gansynth-web/wam`: GANSynth as a Web Audio Modules 2.0 instrument. The default export is the WebAudioModule a
 * host loads (`import(url)`, then `createInstance(groupId, audioContext, initialState)`): MIDI in through the
 * host's `scheduleEvents` (`wam-midi`), stereo audio out, five automatable parameters (params.ts), state with the
 * presets' latents and the model (state.ts), a GUI (`createGui()`). Built by rollup into dist/wam/index.js (one
 * file); it loads dist/wam/descriptor.json, dist/wam/processor.js, dist/render-worker.js, dist/wasm/ and
 * models/default/ relative to itself.
 */
import { WebAudioModule } from '@webaudiomodules/sdk';
import { defaultPresets } from '../ui/preset-bank.ts';
import { WamInstrument, type PluginUrls } from './instrument.ts';
import { GansynthWamNode } from './node.ts';
import { WAM_MODULE_ID } from './params.ts';
import { parseWamState } from './state.ts';
import type { GansynthWamGui } from './gui.ts';

const here = (path: string): string => new URL(path, import.meta.url).href;

/** See the module comment. */
export default class GansynthWam extends WebAudioModule<GansynthWamNode> {
  /** Where the plugin's other files are (next to it, as the package lays them out). */
  static urls: PluginUrls & { readonly processor: string; readonly descriptor: string } = {
    processor: here('./processor.js'),
    descriptor: here('./descriptor.json'),
    renderWorker: here('../render-worker.js'),
    wasm: here('../wasm/'),
    builtinModel: here('../../models/default/'),
  };

  /** The main-thread half (bank renders, presets, model); set by createAudioNode. */
  instrument: WamInstrument | undefined;

  override async initialize(state?: unknown): Promise<this> {
    const urls = (this.constructor as typeof GansynthWam).urls;
    this._descriptorUrl = urls.descriptor;
    await this._loadDescriptor().catch((e: unknown) => {
      throw new Error(`GANSynth WAM: could not load ${urls.descriptor}: ${(e as Error).message ?? e}`);
    });
    if (this.descriptor.identifier !== WAM_MODULE_ID) throw new Error(`GANSynth WAM: ${urls.descriptor} names "${this.descriptor.identifier}", expected "${WAM_MODULE_ID}"`);
    this.audioNode = await this.createAudioNode(state);
    this.initialized = true;
    return this;
  }

  /** The node, its processor and the instrument; `initialState` as setState takes it, plus the options of state.ts. */
  override async createAudioNode(initialState?: unknown): Promise<GansynthWamNode> {
    const state = parseWamState(initialState);
    const urls = (this.constructor as typeof GansynthWam).urls;
    const ctx = this.audioContext;
    await GansynthWamNode.addModulesWithProcessor(ctx, this.moduleId, urls.processor);
    const node = new GansynthWamNode(this, defaultPresets().map((p) => p.name));
    await node._initialize();
    const instrument = new WamInstrument(node, ctx, urls, state);
    this.instrument = instrument;
    const destroy = node.destroy.bind(node);
    node.destroy = () => {
      instrument.dispose();
      destroy();
    };
    await instrument.start(state);
    return node;
  }

  /** Resolves once the bank of what sounds now is complete (after a state, preset or morph change, as well). */
  whenBankReady(): Promise<void> {
    if (!this.instrument) return Promise.reject(new Error('GANSynth WAM: not initialised'));
    return this.instrument.whenBankReady();
  }

  override async createGui(): Promise<GansynthWamGui> {
    await import('./gui.ts');
    const gui = document.createElement('gansynth-wam-gui');
    gui.instrument = this.instrument;
    gui.node = this.audioNode;
    return gui;
  }

  override destroyGui(gui: Element): void {
    gui.remove();
  }
}
