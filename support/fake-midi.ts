/**
 * A Web MIDI backend for tests: `installFakeMidi` runs in the page before any script (page.addInitScript)
 * and replaces navigator.requestMIDIAccess with a MIDIAccess holding fake ports. The page (and so the test,
 * through page.evaluate) plugs and unplugs inputs and sends raw MIDI bytes with `window.fakeMidi`; the
 * bytes reach webmidi exactly as a device's would (MIDIMessageEvent-shaped events on `onmidimessage`).
 * Self-contained: playwright serialises the function's source.
 */
export function installFakeMidi(): void {
  class FakePort extends EventTarget {
    state: 'connected' | 'disconnected' = 'connected';
    connection: 'open' | 'closed' | 'pending' = 'closed';
    onmidimessage: ((e: unknown) => void) | null = null;
    onstatechange: ((e: unknown) => void) | null = null;
    readonly manufacturer = 'gansynth-web tests';
    readonly version = '1';
    constructor(readonly id: string, readonly name: string, readonly type: 'input' | 'output') {
      super();
    }
    open(): Promise<this> {
      this.connection = 'open';
      return Promise.resolve(this);
    }
    close(): Promise<this> {
      this.connection = 'closed';
      return Promise.resolve(this);
    }
    /** Delivers bytes as a MIDIMessageEvent would: `data` Uint8Array, `timeStamp` in ms. */
    receive(bytes: number[]): void {
      const e = Object.assign(new Event('midimessage'), { data: new Uint8Array(bytes) });
      this.onmidimessage?.(e);
      this.dispatchEvent(e);
    }
  }
  const inputs = new Map<string, FakePort>();
  const outputs = new Map<string, FakePort>();
  const access = {
    inputs,
    outputs,
    sysexEnabled: false,
    onstatechange: null as ((e: unknown) => void) | null,
  };
  const stateChange = (port: FakePort) => {
    const e = { port, timeStamp: performance.now() };
    port.onstatechange?.(e);
    access.onstatechange?.(e);
  };
  const api = {
    requests: 0,
    plug(id: string, name: string): void {
      const port = new FakePort(id, name, 'input');
      port.connection = 'open';
      inputs.set(id, port);
      stateChange(port);
    },
    unplug(id: string): void {
      const port = inputs.get(id);
      if (!port) throw new Error(`no fake input ${id}`);
      inputs.delete(id);
      port.state = 'disconnected';
      port.connection = 'pending';
      stateChange(port);
    },
    send(id: string, bytes: number[]): void {
      const port = inputs.get(id);
      if (!port) throw new Error(`no fake input ${id}`);
      port.receive(bytes);
    },
  };
  inputs.set('fake-1', new FakePort('fake-1', 'Fake Keys 1', 'input'));
  Object.defineProperty(navigator, 'requestMIDIAccess', {
    configurable: true,
    value: () => {
      api.requests++;
      return Promise.resolve(access);
    },
  });
  (window as unknown as { fakeMidi: typeof api }).fakeMidi = api;
}
