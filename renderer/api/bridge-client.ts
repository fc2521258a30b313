/**
 * The raw API over the loopback WebSocket bridge (used when the renderer runs in a plain browser).
 * Same surface as the Electron preload's `window.n2s`; messages are binary frames (frame.ts).
 */
import type { N2sRawApi } from '../../shared/ipc/api.ts';
import { BRIDGE_WS_PATH, BridgeServerMessage, type BridgeClientMessage } from '../../shared/ipc/bridge-protocol.ts';
import type { Reply } from '../../shared/ipc/define.ts';
import { decodeFrame, encodeFrame } from '../../shared/ipc/frame.ts';

/** `onClose` is told when the connection drops after it was open (the server stopped). */
export function connectBridge(url: string, onClose?: () => void): Promise<N2sRawApi> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    let nextId = 1;
    const pending = new Map<number, (r: Reply<unknown>) => void>();
    const listeners = new Map<string, Set<(p: unknown) => void>>();

    ws.onmessage = (ev: MessageEvent) => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      const parsed = BridgeServerMessage.safeParse(decodeFrame(ev.data));
      if (!parsed.success) {
        console.warn('n2s bridge: malformed message from main');
        return;
      }
      const m = parsed.data;
      if (m.t === 'reply') {
        pending.get(m.id)?.(m.reply as Reply<unknown>);
        pending.delete(m.id);
      } else {
        for (const l of listeners.get(m.channel) ?? []) l(m.payload);
      }
    };
    ws.onclose = () => {
      for (const done of pending.values()) done({ ok: false, error: { code: 'internal', message: 'lost the connection to the app' } });
      pending.clear();
      onClose?.();
    };
    ws.onerror = () => reject(new Error(`cannot connect to the app at ${url.replace(/token=[^&]+/, 'token=…')}`));
    ws.onopen = () =>
      resolve({
        transport: 'bridge',
        invoke(channel, payload) {
          if (ws.readyState !== WebSocket.OPEN) {
            return Promise.resolve({ ok: false, error: { code: 'internal', message: 'not connected to the app' } });
          }
          const id = nextId++;
          const msg: BridgeClientMessage = { t: 'invoke', id, channel, payload };
          return new Promise((done) => {
            pending.set(id, done);
            ws.send(encodeFrame(msg));
          });
        },
        on(channel, listener) {
          let set = listeners.get(channel);
          if (!set) listeners.set(channel, (set = new Set()));
          set.add(listener);
          return () => set.delete(listener);
        },
      });
  });
}

/** The bridge URL of the page that served us: same host, token from the page's ?token=. */
export function bridgeUrlFromLocation(loc: Location): string {
  const token = new URLSearchParams(loc.search).get('token') ?? '';
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${loc.host}${BRIDGE_WS_PATH}?token=${encodeURIComponent(token)}`;
}
