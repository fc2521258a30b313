/**
 * Electron entry (bundled to dist/main/electron-main.js). Thin: lifecycle, the window, menus and
 * dialogs; everything else is the Electron-free app core (main/app/core.ts).
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MenuCommand } from '../../shared/ipc/app.ts';
import { createAppCore } from '../app/core.ts';
import { consoleLogger } from '../app/log.ts';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, appProtocolResponse } from './app-protocol.ts';
import { electronDialogs } from './dialogs.ts';
import { connectIpc } from './ipc.ts';
import { buildMenuTemplate } from './menu.ts';
import { createMainWindow, denyAllPermissions, lockDownWebContents } from './window.ts';

const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(here, '..', 'renderer');
const preloadPath = join(here, 'preload.cjs');
const iconPath = join(here, '..', '..', 'assets', 'icon.png');
const log = consoleLogger;

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
if (!app.requestSingleInstanceLock()) app.quit();

let win: BrowserWindow | null = null;

// Every webContents (including any a library might create) gets the same lock-down.
app.on('web-contents-created', (_e, contents) => lockDownWebContents(contents, (m) => log.warn(m)));

void app.whenReady().then(() => {
  protocol.handle(APP_SCHEME, (req) => appProtocolResponse(req.url, rendererDir));
  denyAllPermissions(session.defaultSession);
  const core = createAppCore({
    mode: 'electron',
    version: app.getVersion(),
    userDataDir: app.getPath('userData'),
    dialogs: electronDialogs(dialog, () => win),
    log,
  });
  connectIpc(ipcMain, core, () => win?.webContents ?? null);

  const send = (cmd: MenuCommand) => core.events.emit('menu:command', cmd);
  const setMenu = () =>
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        buildMenuTemplate({
          recent: core.services.recent.list(),
          panels: core.ui.panels,
          send,
          isMac: process.platform === 'darwin',
          // The README ships inside the app; open it with the system's viewer.
          openDocs: () => void shell.openPath(join(here, '..', '..', 'README.md')),
        }),
      ),
    );
  setMenu();
  core.ui.onPanels(setMenu);
  core.events.addSink((channel) => {
    if (channel === 'files:recent-changed') setMenu();
  });

  const open = () => {
    win = createMainWindow({ BrowserWindow }, { preloadPath, iconPath, log: (m) => log.warn(m) });
    win.on('closed', () => (win = null));
  };
  open();
  app.on('activate', () => win ?? open());
  app.on('second-instance', () => win?.focus());
  // Quitting waits for running jobs: asked to cancel, each ends at its next checkpoint (a training
  // run keeps its best epoch so far). Stopped from outside inside ONNX Runtime, a job's thread
  // would abort the whole app instead (docs/architecture.md, "Threads").
  let jobsEnded = false;
  app.on('before-quit', (event) => {
    if (jobsEnded) return;
    event.preventDefault();
    void core
      .dispose()
      .catch((e: unknown) => log.warn(`stopping jobs at quit: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        jobsEnded = true;
        app.quit();
      });
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

