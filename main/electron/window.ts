/**
 * The main window and its security settings. Electron is passed in (not imported) so tests can
 * hand in a fake BrowserWindow and assert the options and guards.
 */
import type { BrowserWindow as BrowserWindowType, BrowserWindowConstructorOptions, Session, WebContents } from 'electron';

export const APP_ORIGIN = 'app://renderer';
export const APP_URL = `${APP_ORIGIN}/index.html`;

/** The renderer gets no Node, no remote content and only the preload's one API. */
export function secureWebPreferences(preloadPath: string): NonNullable<BrowserWindowConstructorOptions['webPreferences']> {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'app:' && u.host === 'renderer';
  } catch {
    return false;
  }
}

/**
 * Blocks everything that could take the window away from the app: navigation to any other URL,
 * window.open / target=_blank, <webview> attachment, and every permission request (camera,
 * notifications, …). Applied to every webContents the app creates.
 */
export function lockDownWebContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>, log: (m: string) => void): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) {
      event.preventDefault();
      log(`blocked navigation to ${url}`);
    }
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) {
      event.preventDefault();
      log(`blocked redirect to ${url}`);
    }
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('blocked a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    log(`blocked window.open(${url})`);
    return { action: 'deny' };
  });
}

export function denyAllPermissions(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/**
 * Defence in depth behind the CSP: the session cancels every request that leaves the machine
 * (the app only loads app:// and talks to main over IPC).
 */
export function blockRemoteRequests(session: Pick<Session, 'webRequest'>, log: (m: string) => void): void {
  session.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*'] }, (details, callback) => {
    log(`blocked a request to ${details.url}`);
    callback({ cancel: true });
  });
}

export interface WindowDeps {
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindowType;
}

export function createMainWindow(
  deps: WindowDeps,
  opts: { preloadPath: string; iconPath?: string; log: (m: string) => void },
): BrowserWindowType {
  const win = new deps.BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Noise2Stack Studio',
    backgroundColor: '#262930',
    show: false,
    ...(opts.iconPath ? { icon: opts.iconPath } : {}),
    webPreferences: secureWebPreferences(opts.preloadPath),
  });
  lockDownWebContents(win.webContents, opts.log);
  denyAllPermissions(win.webContents.session);
  blockRemoteRequests(win.webContents.session, opts.log);
  win.once('ready-to-show', () => win.show());
  // A crashed renderer is reloaded (a few times at most, to avoid a crash loop); main and its jobs
  // keep running, and the reloaded page picks up stacks and jobs from main.
  let reloads = 0;
  win.webContents.on('render-process-gone', (_e, details) => {
    opts.log(`renderer process gone (${details.reason})`);
    if (details.reason !== 'clean-exit' && reloads++ < 3) void win.loadURL(APP_URL);
  });
  void win.loadURL(APP_URL);
  return win;
}
