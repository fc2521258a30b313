/**
 * The native menu as a template (pure data + click callbacks), so tests can check it without
 * Electron. Clicks become MenuCommands sent to the renderer, which handles them exactly as it
 * handles its in-app menu bar in the browser.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand, PanelRef } from '../../shared/ipc/app.ts';

export interface MenuOptions {
  recent: string[];
  /** The renderer's panels (View menu); empty until the page has loaded. */
  panels: PanelRef[];
  send: (cmd: MenuCommand) => void;
  isMac: boolean;
  openDocs?: () => void;
}

export function buildMenuTemplate({ recent, panels, send, isMac, openDocs }: MenuOptions): MenuItemConstructorOptions[] {
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'Open stack…', accelerator: 'CmdOrCtrl+O', click: () => send({ command: 'open-stack', role: 'primary' }) },
      { label: 'Open second copy…', click: () => send({ command: 'open-stack', role: 'second-copy' }) },
      { label: 'Open reference (high exposure)…', click: () => send({ command: 'open-stack', role: 'reference' }) },
      { type: 'separator' },
      { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => send({ command: 'export' }) },
      { type: 'separator' },
      {
        label: 'Recent files',
        enabled: recent.length > 0,
        submenu: recent.length
          ? recent.map((path) => ({ label: path, click: () => send({ command: 'open-path', path, role: 'primary' }) }))
          : [{ label: '(none)', enabled: false }],
      },
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      ...panels.map((p): MenuItemConstructorOptions => ({ label: p.title, click: () => send({ command: 'view', view: p.id }) })),
      ...(panels.length ? [{ type: 'separator' } as const] : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      { role: 'toggleDevTools' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    label: '&Help',
    submenu: [
      { label: 'About Noise2Stack Studio', click: () => send({ command: 'about' }) },
      ...(openDocs ? [{ label: 'Documentation', click: openDocs }] : []),
    ],
  };
  const edit: MenuItemConstructorOptions = { role: 'editMenu' };
  return [...(isMac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []), file, edit, view, help];
}
