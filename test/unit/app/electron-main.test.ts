/**
 * The real Electron entry (main/electron/main.ts), bundled as scripts/build.mjs bundles it but with
 * `electron` replaced by a recording fake, then started in this process: the wiring of protocol,
 * window, IPC, menu and the bundled job worker is checked without the Electron binary.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { mainBundleOptions, preloadBundleOptions } from '../../../scripts/bundle-options.mjs';
import type { Reply } from '../../../shared/ipc/define.ts';
import type { JobInfo } from '../../../shared/ipc/jobs.ts';
import type { record as Record_ } from './fixtures/fake-electron.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// Inside the project so the bundle's external packages resolve from node_modules.
const out = `${root}.cache/electron-main-test-${process.pid}/`;
let rec: typeof Record_;

before(async () => {
  mkdirSync(`${out}dist/renderer`, { recursive: true });
  writeFileSync(`${out}dist/renderer/index.html`, '<!doctype html><title>app</title>');
  // What scripts/build.mjs builds, with `electron` swapped for the recording fake.
  const options = mainBundleOptions(root, `${out}dist/main`);
  await build({ ...options, logLevel: 'error', alias: { electron: `${root}test/unit/app/fixtures/fake-electron.ts` }, external: ['vite', 'tsx', 'tsx/*'] });
  await import(pathToFileURL(`${out}dist/main/electron-main.js`).href);
  rec = (globalThis as unknown as { __fakeElectron: typeof Record_ }).__fakeElectron;
  for (let i = 0; i < 100 && rec.windows.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
});

after(() => {
  if (rec && rec.quits === 0) rec.quit(); // the before-quit handler stops the jobs, then quits
  rmSync(out, { recursive: true, force: true });
});

const invoke = (channel: string, payload: unknown, url = 'app://renderer/index.html') =>
  rec.ipcHandlers.get('n2s:invoke')!({ senderFrame: { url } }, channel, payload) as Promise<Reply<unknown>>;

test('the main bundle does not load the engines at start (they come with the job kinds, on demand)', () => {
  // Every module the main process loads before any job runs: electron-main.js and the chunks it
  // imports statically, transitively. Dynamic import() calls are the lazy part and are not followed.
  const loaded = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    const code = readFileSync(`${out}dist/main/${file}`, 'utf8');
    for (const m of code.matchAll(/(?:^|\n)\s*(?:import|export)\s(?:[^;"']*?\sfrom\s*)?["']([^"']+)["']/g)) {
      if (m[1].startsWith('./')) visit(m[1].slice(2));
      else packages.add(m[1]);
    }
  };
  visit('electron-main.js');
  assert.ok(packages.has('zod') && packages.has('node:worker_threads'), `the scan sees imports: ${[...packages]}`);
  for (const heavy of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'onnxruntime-node', 'geotiff', 'onnx-proto']) {
    assert.ok(!packages.has(heavy), `the main process would load ${heavy} at start (via ${[...loaded].join(', ')})`);
  }
});

test('startup registers the app:// scheme, serves the renderer with the CSP, opens one secure window', async () => {
  assert.deepEqual(rec.schemes, [
    { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false } },
  ]);
  const res = await rec.protocolHandlers.get('app')!({ url: 'app://renderer/index.html' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.equal(rec.windows.length, 1);
  const w = rec.windows[0];
  assert.equal(w.url, 'app://renderer/index.html');
  const wp = w.options.webPreferences as Record<string, unknown>;
  assert.deepEqual([wp.contextIsolation, wp.sandbox, wp.nodeIntegration], [true, true, false]);
  assert.equal(wp.preload, `${out}dist/main/preload.cjs`);
  assert.deepEqual(w.webContents.openHandler?.({ url: 'https://x.example' }), { action: 'deny' });
  assert.ok(rec.menus.length >= 1);
});

test('IPC reaches the app core in electron mode; foreign frames and bad payloads are refused', async () => {
  const info = await invoke('app:info', {});
  assert.ok(info.ok && (info.value as { mode: string }).mode === 'electron');
  const foreign = await invoke('app:info', {}, 'https://evil.example/');
  assert.equal(!foreign.ok && foreign.error.code, 'denied');
  const bad = await invoke('jobs:start', { kind: 5 });
  assert.equal(!bad.ok && bad.error.code, 'bad-request');
});

test('a job runs in the bundled worker (dist/main/job-worker.js) and its events reach the window', async () => {
  const r = await invoke('jobs:start', { kind: 'open-stack', params: { source: { kind: 'sample', id: 'microscopy-low' } } });
  assert.ok(r.ok, JSON.stringify(r));
  const { jobId } = r.value as { jobId: string };
  const sent = rec.windows[0].webContents.sent;
  let end: JobInfo | undefined;
  for (let i = 0; i < 600 && !end; i++) {
    end = sent.map((s) => s[2] as JobInfo).find((p) => p?.jobId === jobId && (p.state === 'done' || p.state === 'error'));
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.equal(end?.state, 'done', JSON.stringify(end?.error));
  assert.ok(sent.some((s) => s[0] === 'n2s:event' && s[1] === 'stack:added'));
});

test('the renderer’s panels appear in the native View menu', async () => {
  const r = await invoke('app:set-panels', { panels: [{ id: 'train', title: 'Training' }] });
  assert.ok(r.ok);
  const template = rec.menus.at(-1) as { label?: string; submenu?: { label?: string }[] }[];
  assert.ok(template.find((m) => m.label === '&View')!.submenu!.some((i) => i.label === 'Training'));
  const bad = await invoke('app:set-panels', { panels: [{ id: '', title: 'x' }] });
  assert.equal(!bad.ok && bad.error.code, 'bad-request');
});

test('choosing a native menu item sends its command to the window', () => {
  const template = rec.menus.at(-1) as { label?: string; submenu?: { label?: string; click?: () => void }[] }[];
  const file = template.find((m) => m.label === '&File')!;
  file.submenu!.find((i) => i.label === 'Open reference (high exposure)…')!.click!();
  const last = rec.windows[0].webContents.sent.at(-1);
  assert.deepEqual(last, ['n2s:event', 'menu:command', { command: 'open-stack', role: 'reference' }]);
});

test('the preload bundle runs with only require("electron") available, as in a sandboxed renderer', async () => {
  await build({ ...preloadBundleOptions(root, `${out}dist/main`), logLevel: 'error' });
  const code = readFileSync(`${out}dist/main/preload.cjs`, 'utf8');
  const exposed: Record<string, unknown> = {};
  const fakeElectron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
    ipcRenderer: { invoke: async () => ({ ok: true, value: null }), on: () => undefined },
  };
  const sandboxRequire = (name: string) => {
    if (name === 'electron') return fakeElectron;
    throw new Error(`the sandbox has no module "${name}"`);
  };
  const module = { exports: {} };
  runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console, TextEncoder, TextDecoder });
  assert.deepEqual(Object.keys(exposed), ['n2s']);
  assert.deepEqual(Object.keys(exposed.n2s as object).sort(), ['invoke', 'on', 'transport']);
});

// Last: it quits the app.
test('quitting waits until a running training job (ONNX steps in its child thread) has ended, then quits', async () => {
  const stacks = await invoke('stack:list', {});
  assert.ok(stacks.ok);
  const low = (stacks.value as { stackId: string }[])[0]!;
  const config = { method: 'n2s', mode: 'self', neighbours: 1, widthScale: 0.25, batch: 4, patch: 64, epochs: 50, stepsPerEpoch: 50, engine: 'onnx', provider: 'cpu' };
  const r = await invoke('jobs:start', { kind: 'train', params: { stackId: low.stackId, config } });
  assert.ok(r.ok, JSON.stringify(r));
  const { jobId } = r.value as { jobId: string };
  const sent = rec.windows[0].webContents.sent;
  const latest = () => sent.map((s) => s[2] as JobInfo).filter((p) => p?.jobId === jobId).at(-1);
  for (let i = 0; i < 1200 && !((latest()?.values?.step ?? 0) >= 2); i++) await new Promise((res) => setTimeout(res, 50));
  assert.ok((latest()?.values?.step ?? 0) >= 2, `training steps: ${JSON.stringify(latest())}`);
  rec.quit();
  // Quitting at once would stop the job's threads from outside, inside ONNX Runtime: the app aborts.
  assert.equal(rec.quits, 0, 'the app quit while a job was running');
  for (let i = 0; i < 1200 && rec.quits === 0; i++) await new Promise((res) => setTimeout(res, 50));
  assert.equal(rec.quits, 1, 'the app quit once its jobs had ended');
  assert.equal(latest()?.state, 'cancelled');
});
