/**
 * The WAM host page (demo/wam-host.html, `npm start` → /wam-host.html): loads the built plugin by URL as a web DAW
 * does, mounts its GUI, and plays a phrase with morph automation through the host API. URL options as the main demo:
 * `?model=…&backend=…&low=…&high=…` (the plugin's initial state).
 */
import { initializeWamHost } from '@webaudiomodules/sdk';
import type { WamEvent } from '@webaudiomodules/api';

const PLUGIN_URL = new URL('/plugin/wam/index.js', location.href).href;
const status = document.querySelector<HTMLDivElement>('#host-status')!;
const phraseButton = document.querySelector<HTMLButtonElement>('#phrase')!;

function initialState(): Record<string, unknown> {
  const q = new URLSearchParams(location.search);
  const s: Record<string, unknown> = {};
  for (const k of ['model', 'backend']) if (q.get(k)) s[k] = q.get(k);
  if (q.get('low')) s.lowPitch = Number(q.get('low'));
  if (q.get('high')) s.highPitch = Number(q.get('high'));
  return s;
}

interface Plugin {
  audioNode: AudioNode & { scheduleEvents(...e: WamEvent[]): void };
  createGui(): Promise<HTMLElement>;
}

async function start(): Promise<void> {
  const ctx = new AudioContext();
  await ctx.resume();
  status.textContent = `loading ${PLUGIN_URL}…`;
  const [groupId] = await initializeWamHost(ctx);
  const { default: WAM } = (await import(/* @vite-ignore */ PLUGIN_URL)) as { default: { createInstance(g: string, c: BaseAudioContext, s?: unknown): Promise<Plugin> } };
  const wam = await WAM.createInstance(groupId, ctx, initialState());
  wam.audioNode.connect(ctx.destination);
  document.querySelector('#mount')!.append(await wam.createGui());
  status.textContent = 'plugin loaded: play the keyboard, or the phrase';
  phraseButton.disabled = false;
  phraseButton.onclick = () => {
    const t0 = ctx.currentTime + 0.1;
    const pitches = [60, 64, 67, 72, 67, 64];
    const events: WamEvent[] = pitches.flatMap((p, i) => [
      { type: 'wam-midi', time: t0 + i * 0.4, data: { bytes: [0x90, p, 100] } },
      { type: 'wam-midi', time: t0 + i * 0.4 + 0.35, data: { bytes: [0x80, p, 0] } },
    ]);
    for (let i = 0; i <= 10; i++) events.push({ type: 'wam-automation', time: t0 + i * 0.24, data: { id: 'morph', value: i / 10, normalized: false } });
    wam.audioNode.scheduleEvents(...events);
  };
}

document.querySelector<HTMLButtonElement>('#start')!.onclick = (e) => {
  (e.target as HTMLButtonElement).disabled = true;
  start().catch((err: unknown) => {
    status.textContent = `error: ${(err as Error).message ?? err}`;
  });
};
