/**
 * Connects Electron IPC to the app core: one invoke channel into the shared dispatcher (which
 * validates and logs), one event channel out. Calls from any frame that is not the app's own page
 * are refused.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { ELECTRON_EVENT, ELECTRON_INVOKE } from '../../shared/ipc/contract.ts';
import type { Reply } from '../../shared/ipc/define.ts';
import type { AppCore } from '../app/core.ts';
import { isAppUrl } from './window.ts';

export function connectIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  core: Pick<AppCore, 'dispatcher' | 'events' | 'log'>,
  target: () => Pick<WebContents, 'send' | 'isDestroyed'> | null,
): () => void {
  ipcMain.handle(ELECTRON_INVOKE, async (event: IpcMainInvokeEvent, channel: unknown, payload: unknown): Promise<Reply<unknown>> => {
    const url = event.senderFrame?.url ?? '';
    if (!isAppUrl(url)) {
      core.log.warn(`ipc: refused a call from ${url || 'an unknown frame'}`);
      return { ok: false, error: { code: 'denied', message: 'calls are only accepted from the app window' } };
    }
    return core.dispatcher.dispatch(channel, payload);
  });
  const removeSink = core.events.addSink((channel, payload) => {
    const wc = target();
    if (wc && !wc.isDestroyed()) wc.send(ELECTRON_EVENT, channel, payload);
  });
  return () => {
    ipcMain.removeHandler(ELECTRON_INVOKE);
    removeSink();
  };
}
