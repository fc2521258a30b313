/**
 * The Electron layer with the `electron` module replaced at its boundary: fake BrowserWindow,
 * ipcMain, ipcRenderer and dialog objects record what the shell does with them.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BrowserWindowConstructorOptions, MenuItemConstructorOptions } from 'electron';
import { appProtocolResponse } from '../../../main/electron/app-protocol.ts';
import { connectIpc } from '../../../main/electron/ipc.ts';
import { buildMenuTemplate } from '../../../main/electron/menu.ts';
import { createPreloadApi } from '../../../main/electron/preload-api.ts';
import { APP_URL, createMainWindow, type WindowDeps } from '../../../main/electron/window.ts';
import type { MenuCommand } from '../../../shared/ipc/app.ts';
import { ELECTRON_EVENT, ELECTRON_INVOKE } from '../../../shared/ipc/contract.ts';
import { tempDir, testCore } from './helpers.ts';

type Listener = (...args: unknown[]) => void;

class FakeWebContents {
  listeners = new Map<string, Listener[]>();
  openHandler: ((d: { url: string }) => { action: string }) | null = null;
  permissionRequest: ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void) | null = null;
  permissionCheck: (() => boolean) | null = null;
  beforeRequest: { filter: { urls: string[] }; fn: (d: { url: string }, cb: (r: { cancel: boolean }) => void) => void } | null = null;
  session = {
    webRequest: {
      onBeforeRequest: (filter: { urls: string[] }, fn: NonNullable<FakeWebContents['beforeRequest']>['fn']) => (this.beforeRequest = { filter, fn }),
    },
    setPermissionRequestHandler: (h: FakeWebContents['permissionRequest']) => (this.permissionRequest = h),
    setPermissionCheckHandler: (h: FakeWebContents['permissionCheck']) => (this.permissionCheck = h),
  };
  on(event: string, l: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), l]);
    return this;
  }
  setWindowOpenHandler(h: FakeWebContents['openHandler']) {
    this.openHandler = h;
  }
  /** Fires an event the way Electron does and tells whether a listener prevented it. */
  fire(event: string, ...args: unknown[]): boolean {
    let prevented = false;
    const ev = { preventDefault: () => (prevented = true) };
    for (const l of this.listeners.get(event) ?? []) l(ev, ...args);
    return prevented;
  }
}

function fakeElectronWindow() {
  const created: { options: BrowserWindowConstructorOptions; loaded: string[]; webContents: FakeWebContents }[] = [];
  class FakeBrowserWindow {
    webContents = new FakeWebContents();
    loaded: string[] = [];
    constructor(options: BrowserWindowConstructorOptions) {
      created.push({ options, loaded: this.loaded, webContents: this.webContents });
    }
    loadURL(url: string) {
      this.loaded.push(url);
      return Promise.resolve();
    }
    once() {}
    show() {}
  }
  return { deps: { BrowserWindow: FakeBrowserWindow } as unknown as WindowDeps, created };
}

test('the main window is created with the secure settings and the sandboxed preload', () => {
  const { deps, created } = fakeElectronWindow();
  createMainWindow(deps, { preloadPath: '/app/dist/main/preload.cjs', log: () => {} });
  assert.equal(created.length, 1);
  const wp = created[0].options.webPreferences!;
  assert.equal(wp.contextIsolation, true);
  assert.equal(wp.sandbox, true);
  assert.equal(wp.nodeIntegration, false);
  assert.equal(wp.nodeIntegrationInWorker, false);
  assert.equal(wp.nodeIntegrationInSubFrames, false);
  assert.equal(wp.webSecurity, true);
  assert.equal(wp.allowRunningInsecureContent, false);
  assert.equal(wp.webviewTag, false);
  assert.equal(wp.preload, '/app/dist/main/preload.cjs');
  assert.deepEqual(created[0].loaded, [APP_URL]);
});

test('navigation away from the app, window.open, webviews and permissions are all refused', () => {
  const { deps, created } = fakeElectronWindow();
  const logged: string[] = [];
  createMainWindow(deps, { preloadPath: '/p.cjs', log: (m) => logged.push(m) });
  const wc = created[0].webContents;
  assert.equal(wc.fire('will-navigate', 'https://example.com/'), true);
  assert.equal(wc.fire('will-navigate', 'file:///etc/passwd'), true);
  assert.equal(wc.fire('will-navigate', 'app://elsewhere/index.html'), true);
  assert.equal(wc.fire('will-navigate', 'app://renderer/index.html'), false, 'reloading the app itself is fine');
  assert.equal(wc.fire('will-redirect', 'http://127.0.0.1:8080/'), true);
  assert.equal(wc.fire('will-attach-webview', {}, {}), true);
  assert.deepEqual(wc.openHandler?.({ url: 'https://example.com/' }), { action: 'deny' });
  let granted: boolean | null = null;
  wc.permissionRequest?.(null, 'media', (ok) => (granted = ok));
  assert.equal(granted, false);
  assert.equal(wc.permissionCheck?.(), false);
  assert.ok(logged.some((l) => l.includes('blocked navigation to https://example.com/')));
  // Requests leaving the machine are cancelled at the session, whatever the page tries.
  assert.deepEqual(wc.beforeRequest?.filter.urls, ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*']);
  let cancelled: boolean | null = null;
  wc.beforeRequest?.fn({ url: 'https://tracker.example/x.js' }, (r) => (cancelled = r.cancel));
  assert.equal(cancelled, true);
});

test('a crashed renderer is reloaded, but not forever', () => {
  const { deps, created } = fakeElectronWindow();
  createMainWindow(deps, { preloadPath: '/p.cjs', log: () => {} });
  const w = created[0];
  for (let i = 0; i < 5; i++) w.webContents.fire('render-process-gone', { reason: 'crashed', exitCode: 1 });
  assert.deepEqual(w.loaded, [APP_URL, APP_URL, APP_URL, APP_URL], 'first load + 3 reloads');
});

test('the app:// protocol serves the renderer with a strict CSP and nothing outside it', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'renderer', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html>');
  writeFileSync(join(dir, 'renderer', 'assets', 'a.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  const root = join(dir, 'renderer');

  const index = await appProtocolResponse('app://renderer/index.html', root);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  const csp = index.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/, 'scripts only from the app, no inline, no eval');
  assert.doesNotMatch(csp, /unsafe-eval/);
  assert.doesNotMatch(csp, /https?:/, 'no remote origins');
  assert.match(csp, /object-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  const js = await appProtocolResponse('app://renderer/assets/a.js', root);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(await js.text(), 'console.log(1)');
  for (const bad of ['app://renderer/../secret.txt', 'app://renderer/%2e%2e/secret.txt', 'app://renderer/..%2fsecret.txt', 'app://other/index.html']) {
    const r = await appProtocolResponse(bad, root);
    assert.equal(r.status, 404, bad);
  }
});

test('the preload exposes exactly one small API and refuses channels outside the contract', async () => {
  const calls: unknown[][] = [];
  let eventListener: Listener | null = null;
  const ipc = {
    invoke: async (...args: unknown[]) => {
      calls.push(args);
      return { ok: true, value: 'pong' };
    },
    on: (ch: string, l: Listener) => {
      assert.equal(ch, ELECTRON_EVENT);
      eventListener = l;
      return ipc;
    },
  };
  const api = createPreloadApi(ipc as never);
  assert.deepEqual(Object.keys(api).sort(), ['invoke', 'on', 'transport']);
  assert.ok(Object.isFrozen(api));
  assert.equal(api.transport, 'electron');

  assert.deepEqual(await api.invoke('app:info', {}), { ok: true, value: 'pong' });
  assert.deepEqual(calls, [[ELECTRON_INVOKE, 'app:info', {}]]);
  const refused = await api.invoke('fs:readFile', { path: '/etc/passwd' });
  assert.equal(!refused.ok && refused.error.code, 'unknown-channel');
  assert.equal(calls.length, 1, 'an unknown channel never reaches ipcRenderer');

  const got: unknown[] = [];
  const off = api.on('job:update', (p) => got.push(p));
  assert.throws(() => api.on('not:an-event', () => {}), /unknown event channel/);
  eventListener!({}, 'job:update', { jobId: 'j1' });
  eventListener!({}, 'stack:added', { stackId: 's1' });
  off();
  eventListener!({}, 'job:update', { jobId: 'j2' });
  assert.deepEqual(got, [{ jobId: 'j1' }]);
});

test('main accepts IPC only from the app page, validates it, and forwards events', async () => {
  const core = testCore();
  try {
    let handler: ((event: unknown, channel: unknown, payload: unknown) => Promise<unknown>) | null = null;
    const ipcMain = { handle: (ch: string, h: typeof handler) => (assert.equal(ch, ELECTRON_INVOKE), (handler = h)), removeHandler: () => {} };
    const sent: unknown[][] = [];
    const wc = { send: (...a: unknown[]) => sent.push(a), isDestroyed: () => false };
    connectIpc(ipcMain as never, core, () => wc as never);
    const fromApp = { senderFrame: { url: 'app://renderer/index.html' } };
    const fromElsewhere = { senderFrame: { url: 'https://evil.example/' } };

    const ok = (await handler!(fromApp, 'app:info', {})) as { ok: boolean };
    assert.equal(ok.ok, true);
    assert.deepEqual(await handler!(fromElsewhere, 'app:info', {}), {
      ok: false,
      error: { code: 'denied', message: 'calls are only accepted from the app window' },
    });
    const bad = (await handler!(fromApp, 'stack:planes', { stackId: [] })) as { ok: boolean; error: { code: string } };
    assert.equal(bad.error.code, 'bad-request');
    const unknown = (await handler!(fromApp, 'shell:exec', { cmd: 'ls' })) as { ok: boolean; error: { code: string } };
    assert.equal(unknown.error.code, 'unknown-channel');
    assert.ok(core.logLines.some((l) => l.includes('refused a call from https://evil.example/')));
    assert.ok(core.logLines.some((l) => l.includes('unknown channel "shell:exec"')));

    core.events.emit('stack:removed', { stackId: 's3' });
    assert.deepEqual(sent, [[ELECTRON_EVENT, 'stack:removed', { stackId: 's3' }]]);
  } finally {
    await core.dispose();
  }
});

test('the native menu has the File items of the issue and sends their commands', () => {
  const sent: MenuCommand[] = [];
  const panels = [
    { id: 'stack-info', title: 'Stack' },
    { id: 'train', title: 'Training' },
  ];
  const template = buildMenuTemplate({ recent: ['/data/a.tif', '/data/b.nii.gz'], panels, send: (c) => sent.push(c), isMac: false });
  const labels = template.map((m) => m.label ?? m.role);
  assert.deepEqual(labels, ['&File', 'editMenu', '&View', '&Help']);
  const file = template[0].submenu as MenuItemConstructorOptions[];
  const byLabel = (l: string) => file.find((i) => i.label === l)!;
  for (const l of ['Open stack…', 'Open second copy…', 'Open reference (high exposure)…', 'Export…', 'Recent files']) assert.ok(byLabel(l), l);
  const click = (i: MenuItemConstructorOptions) => (i.click as () => void)();
  click(byLabel('Open stack…'));
  click(byLabel('Open second copy…'));
  click(byLabel('Open reference (high exposure)…'));
  click(byLabel('Export…'));
  click((byLabel('Recent files').submenu as MenuItemConstructorOptions[])[1]);
  click((template[2].submenu as MenuItemConstructorOptions[]).find((i) => i.label === 'Training')!);
  assert.deepEqual(sent, [
    { command: 'open-stack', role: 'primary' },
    { command: 'open-stack', role: 'second-copy' },
    { command: 'open-stack', role: 'reference' },
    { command: 'export' },
    { command: 'open-path', path: '/data/b.nii.gz', role: 'primary' },
    { command: 'view', view: 'train' },
  ]);
  const empty = buildMenuTemplate({ recent: [], panels: [], send: () => {}, isMac: true });
  assert.equal(empty[0].role, 'appMenu');
  const recent = (empty[1].submenu as MenuItemConstructorOptions[]).find((i) => i.label === 'Recent files')!;
  assert.equal(recent.enabled, false);
});

test('paths from the native dialog become openable, others stay denied', async () => {
  const dir = tempDir();
  const chosen = join(dir, 'chosen.tif');
  writeFileSync(chosen, 'x');
  const { electronDialogs } = await import('../../../main/electron/dialogs.ts');
  const { createAppCore } = await import('../../../main/app/core.ts');
  const { memoryLogger } = await import('../../../main/app/log.ts');
  const dialog = {
    showOpenDialog: async () => ({ canceled: false, filePaths: [chosen] }),
    showSaveDialog: async () => ({ canceled: true, filePath: '' }),
  };
  const core = createAppCore({ mode: 'electron', version: 't', userDataDir: tempDir(), dialogs: electronDialogs(dialog as never, () => null), log: memoryLogger() });
  try {
    assert.equal(core.services.paths.isAllowed(chosen), false);
    const r = await core.dispatcher.dispatch('files:choose-open', { purpose: 'stack' });
    assert.deepEqual(r, { ok: true, value: { paths: [chosen], native: true } });
    assert.equal(core.services.paths.isAllowed(chosen), true);
    assert.equal(core.services.paths.isAllowed(join(dir, 'other.tif')), false);
    const s = await core.dispatcher.dispatch('files:choose-save', { purpose: 'export', defaultName: 'x.tif' });
    assert.deepEqual(s, { ok: true, value: { path: null, native: true } });
  } finally {
    await core.dispose();
  }
});
