/**
 * The API the preload exposes as `window.n2s`, built from ipcRenderer (passed in, so tests can
 * use a fake). Only contract channels pass; everything travels over two Electron channels.
 */
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import type { N2sRawApi } from '../../shared/ipc/api.ts';
import { ELECTRON_EVENT, ELECTRON_INVOKE, isEventChannel, isInvokeChannel } from '../../shared/ipc/contract.ts';
import type { Reply } from '../../shared/ipc/define.ts';

export function createPreloadApi(ipc: Pick<IpcRenderer, 'invoke' | 'on'>): N2sRawApi {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  ipc.on(ELECTRON_EVENT, (_e: IpcRendererEvent, channel: unknown, payload: unknown) => {
    if (typeof channel !== 'string') return;
    for (const l of listeners.get(channel) ?? []) l(payload);
  });
  // Frozen plain object of functions: contextBridge copies it; nothing of ipcRenderer leaks.
  return Object.freeze({
    transport: 'electron' as const,
    invoke(channel: string, payload: unknown): Promise<Reply<unknown>> {
      if (!isInvokeChannel(channel)) {
        return Promise.resolve({ ok: false, error: { code: 'unknown-channel', message: `unknown IPC channel "${String(channel)}"` } });
      }
      return ipc.invoke(ELECTRON_INVOKE, channel, payload) as Promise<Reply<unknown>>;
    },
    on(channel: string, listener: (payload: unknown) => void): () => void {
      if (!isEventChannel(channel)) throw new Error(`unknown event channel "${String(channel)}"`);
      if (typeof listener !== 'function') throw new Error('listener must be a function');
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
      return () => void set.delete(listener);
    },
  });
}
