/**
 * Page for wam.test.ts: a WAM 2.0 host made with the SDK's own host helper (`initializeWamHost`), loading the built
 * plugin from /dist/wam/index.js exactly as a web DAW would (dynamic import of its URL, `createInstance`), and
 * rendering scheduled `wam-midi` / `wam-automation` events through an OfflineAudioContext.
 * Exposes `window.wamRender(plan)` and `window.wamGui()`; sets `window.wamPageReady`.
 */
import { initializeWamHost } from '@webaudiomodules/sdk';
import type { WamEvent } from '@webaudiomodules/api';

/** What the test asks for. */
export interface WamPlan {
  readonly frames: number;
  readonly sampleRateHz: number;
  /** createInstance's initial state (plugin options included). */
  readonly initialState: Record<string, unknown>;
  /** Applied with setState after the instance is made (the restore path), when given. */
  readonly setState?: unknown;
  /** Parameter values set before rendering (setParameterValues). */
  readonly parameters?: Record<string, number>;
  /** Events with `time` in seconds on the context's clock. */
  readonly events: readonly WamEvent[];
  /** Suspend at these times until the bank of what sounds then is complete (a morph moved by automation re-renders). */
  readonly settleAtSec?: readonly number[];
  /** Bank notes to return, by pitch. */
  readonly bankPitches?: readonly number[];
}

export interface WamResult {
  readonly left: number[];
  readonly channelsIdentical: boolean;
  readonly state: Record<string, unknown>;
  readonly compensationDelaySec: number;
  readonly parameterIds: string[];
  readonly descriptor: Record<string, unknown>;
  readonly bank: Record<number, number[]>;
  readonly backend: string;
  readonly errors: string[];
}

export interface PluginInstance {
  audioNode: AudioNode & {
    scheduleEvents(...e: WamEvent[]): void;
    getState(): Promise<Record<string, unknown>>;
    setState(s: unknown): Promise<void>;
    getCompensationDelay(): Promise<number>;
    getParameterInfo(...ids: string[]): Promise<Record<string, unknown>>;
    setParameterValues(v: Record<string, { id: string; value: number; normalized: boolean }>): Promise<void>;
    destroy(): void;
  };
  descriptor: Record<string, unknown>;
  instrument: {
    sound: { bank: { position: number; selected: number } };
    engine: { notes: Map<number, { samples: Float32Array }>; backend: string; stats(): Promise<{ activeVoices: number }> };
    status: { error: string };
  };
  whenBankReady(): Promise<void>;
  createGui(): Promise<HTMLElement>;
}

const PLUGIN_URL = '/dist/wam/index.js';

async function loadPlugin(ctx: BaseAudioContext, state: unknown): Promise<PluginInstance> {
  const [groupId] = await initializeWamHost(ctx);
  const url = PLUGIN_URL; // a variable: the bundler leaves the import to the browser
  const { default: WAM } = (await import(/* @vite-ignore */ url)) as { default: { isWebAudioModuleConstructor: boolean; createInstance(g: string, c: BaseAudioContext, s?: unknown): Promise<PluginInstance> } };
  if (!WAM.isWebAudioModuleConstructor) throw new Error('not a WebAudioModule constructor');
  return WAM.createInstance(groupId, ctx, state);
}

const until = async (ok: () => boolean, what: string, timeoutMs = 60_000): Promise<void> => {
  const t0 = performance.now();
  while (!ok()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** An offline context's AudioWorklet only runs while it renders: start, and stop at the first quantum's end. */
const SETUP_SEC = 128;

async function wamRender(plan: WamPlan): Promise<WamResult> {
  const ctx = new OfflineAudioContext({ numberOfChannels: 2, length: plan.frames, sampleRate: plan.sampleRateHz });
  const setupAt = SETUP_SEC / plan.sampleRateHz;
  let wam!: PluginInstance;
  let rendered!: Promise<AudioBuffer>;
  await new Promise<void>((ready, fail) => {
    ctx.suspend(setupAt).then(async () => {
      try {
        wam = await loadPlugin(ctx, plan.initialState);
        ready();
      } catch (e) {
        fail(e);
      }
    }, fail);
    rendered = ctx.startRendering();
  });
  const node = wam.audioNode;
  if (plan.setState !== undefined) await node.setState(plan.setState);
  if (plan.parameters) {
    await node.setParameterValues(Object.fromEntries(Object.entries(plan.parameters).map(([id, value]) => [id, { id, value, normalized: false }])));
  }
  await new Promise((r) => setTimeout(r, 50)); // the processor's reports of those values reach the instrument
  await wam.whenBankReady();
  node.connect(ctx.destination);
  node.scheduleEvents(...plan.events);
  // The port is first in, first out: once this answers, every event is queued in the processor.
  await node.getParameterInfo();
  for (const t of plan.settleAtSec ?? []) {
    void ctx.suspend(t).then(async () => {
      const before = wam.instrument.sound.bank.position;
      await until(() => wam.instrument.sound.bank.position !== before, `the morph report after ${t} s`, 5000).catch(() => {});
      await wam.whenBankReady();
      await ctx.resume();
    });
  }
  await ctx.resume();
  const buffer = await rendered;
  // Reports the processor posted while rendering come first on its port (first in, first out): once this answers,
  // the instrument has acted on them (a program change also moves the morph), before getState asks.
  await node.getParameterInfo();
  const left = buffer.getChannelData(0);
  const right = buffer.getChannelData(1);
  const bank: Record<number, number[]> = {};
  for (const p of plan.bankPitches ?? []) bank[p] = Array.from(wam.instrument.engine.notes.get(p)?.samples ?? []);
  const result: WamResult = {
    left: Array.from(left),
    channelsIdentical: left.every((v, i) => v === right[i]),
    state: await node.getState(),
    compensationDelaySec: await node.getCompensationDelay(),
    parameterIds: Object.keys(await node.getParameterInfo()),
    descriptor: { ...wam.descriptor },
    bank,
    backend: wam.instrument.engine.backend,
    errors: wam.instrument.status.error ? [wam.instrument.status.error] : [],
  };
  node.destroy();
  return result;
}

/** Mounts the plugin's GUI in the page (for the screenshot), on a live AudioContext. */
async function wamGui(initialState: Record<string, unknown>): Promise<void> {
  const ctx = new AudioContext();
  const wam = await loadPlugin(ctx, initialState);
  wam.audioNode.connect(ctx.destination);
  await wam.whenBankReady();
  const gui = await wam.createGui();
  document.body.append(gui);
  window.wamGuiInstance = wam;
}

declare global {
  interface Window {
    wamRender(plan: WamPlan): Promise<WamResult>;
    wamGui(initialState: Record<string, unknown>): Promise<void>;
    wamPageReady: boolean;
    /** The instance whose GUI wamGui mounted. */
    wamGuiInstance: { instrument: { engine: { stats(): Promise<{ activeVoices: number }> } } };
  }
}
window.wamRender = wamRender;
window.wamGui = wamGui;
window.wamPageReady = true;
