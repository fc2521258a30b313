/**
 * The app that ships is the app under test (issue 15). scripts/build.mjs builds dist/main exactly
 * as `npm run build` does (into a private folder), and the built main process is started in this
 * process with only `electron` answered by the recording fake (a resolution hook, since the real
 * build keeps `electron` external). Through the app's IPC it then opens an OME-Zarr volume written
 * by python3-zarr, trains two steps with the ONNX training engine and denoises with ONNX Runtime.
 * Every lazily loaded module must be in the bundle: a variable import() specifier such as
 * './onnx/predictor.ts' survives esbuild as a path that does not exist next to the chunks, and the
 * app would then fail to open Zarr and quietly fall back to tfjs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Reply } from '../../../shared/ipc/define.ts';
import type { JobInfo } from '../../../shared/ipc/jobs.ts';
import type { StackInfo } from '../../../shared/ipc/stacks.ts';
import type { TrainedModelSummary } from '../../../shared/ipc/job-kinds/train.ts';
import type { record as Record_ } from './fixtures/fake-electron.ts';
import { runPython } from '../../helpers/python.ts';
import { tsImportsIn, variableImportsIn } from '../../helpers/bundle.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// Inside the project so the bundle's external packages resolve from its node_modules.
const out = `${root}.cache/bundle-test-${process.pid}/dist`;
let rec: typeof Record_;
const stderr: string[] = [];
const writeErr = process.stderr.write.bind(process.stderr);

before(async () => {
  const b = spawnSync(process.execPath, ['scripts/build.mjs', '--main-only', '--out', out], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, `scripts/build.mjs failed:\n${b.stdout}${b.stderr}`);
  mkdirSync(`${out}/renderer`, { recursive: true });
  writeFileSync(`${out}/renderer/index.html`, '<!doctype html><title>app</title>');
  (globalThis as Record<string, unknown>).__fakeElectronModule = await import('./fixtures/fake-electron.ts');
  register('./fixtures/electron-hook.mjs', import.meta.url);
  // The app logs to stderr (engine fall-backs among them); keep the lines to check them.
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    stderr.push(String(chunk));
    return writeErr(chunk, ...rest);
  }) as typeof process.stderr.write;
  await import(pathToFileURL(`${out}/main/electron-main.js`).href);
  rec = (globalThis as unknown as { __fakeElectron: typeof Record_ }).__fakeElectron;
  for (let i = 0; i < 100 && rec.windows.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
});

after(() => {
  process.stderr.write = writeErr;
  rec?.quit();
  rmSync(join(out, '..'), { recursive: true, force: true });
});

const invoke = <T>(channel: string, payload: unknown) =>
  rec.ipcHandlers.get('n2s:invoke')!({ senderFrame: { url: 'app://renderer/index.html' } }, channel, payload) as Promise<Reply<T>>;

/** Starts a job and returns every update it sent to the window, the last one final. */
async function runJob(kind: string, params: unknown, timeoutMs = 120_000): Promise<JobInfo[]> {
  const r = await invoke<{ jobId: string }>('jobs:start', { kind, params });
  assert.ok(r.ok, JSON.stringify(r));
  const { jobId } = r.value;
  const updates = () =>
    rec.windows[0].webContents.sent.filter((s) => s[1] === 'job:update' && (s[2] as JobInfo).jobId === jobId).map((s) => s[2] as JobInfo);
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const u = updates();
    if (u.some((i) => ['done', 'error', 'cancelled'].includes(i.state))) return u;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.fail(`${kind} job did not finish in ${timeoutMs / 1000} s`);
}

/**
 * The one import() that may take a variable: the job worker loads a job kind module that the
 * runner names by URL (test kinds; the app's own kinds are bundled in through literal imports).
 */
const RUNTIME_IMPORTS = new Set(['init.moduleUrl']);

test('no chunk of the built main process imports a .ts path, or a module named by a variable', () => {
  const files = readdirSync(`${out}/main`).filter((f) => f.endsWith('.js'));
  assert.ok(files.includes('electron-main.js') && files.includes('job-worker.js') && files.length > 5, files.join(' '));
  const code = files.map((f) => [f, readFileSync(`${out}/main/${f}`, 'utf8')] as const);
  assert.deepEqual(code.flatMap(([f, c]) => tsImportsIn(c).map((s) => `${f}: ${s}`)), []);
  assert.deepEqual(code.flatMap(([f, c]) => variableImportsIn(c).filter((e) => !RUNTIME_IMPORTS.has(e)).map((e) => `${f}: import(${e})`)), []);
});

test('the bundle checks see what they look for', () => {
  const old = `var specifier = "./zarr.ts";\nmod = await import(specifier);\nimport { a } from "./b.ts";\nconst w = import("./c.mts");`;
  assert.deepEqual(tsImportsIn(old), ['./b.ts', './c.mts']);
  assert.deepEqual(variableImportsIn(old), ['specifier']);
  const ok = 'import { z } from "zod";\nconst m = await import("./chunk-AB12.js");\nconst boot = `import(${JSON.stringify(u)})`;';
  assert.deepEqual([tsImportsIn(ok), variableImportsIn(ok)], [[], []]);
});

test('the built app opens an OME-Zarr volume, trains two ONNX Runtime steps and denoises with ONNX Runtime', async () => {
  const info = await invoke<{ outputDir: string }>('app:info', {});
  assert.ok(info.ok);
  // The app's output folder is one the app may read without a file dialog.
  const zarr = join(info.value.outputDir, 'volume.ome.zarr');
  const ref = join(info.value.outputDir, 'volume.f32');
  runPython(
    `
import sys, zarr, numpy as np
rng = np.random.default_rng(3)
z, y, x = np.meshgrid(np.arange(6), np.arange(32), np.arange(32), indexing='ij')
a = (100 + 50 * np.sin(x / 5.0) * np.cos(y / 7.0) + 5 * z + rng.normal(0, 10, size=z.shape)).astype(np.float32)
g = zarr.open_group(sys.argv[1], mode='w')
g.create_dataset('0', data=a, chunks=(2, 32, 32))
g.attrs['multiscales'] = [{'version': '0.4', 'axes': [{'name': n, 'type': 'space', 'unit': 'micrometer'} for n in 'zyx'],
  'datasets': [{'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [2.0, 0.5, 0.5]}]}]}]
a.tofile(sys.argv[2])
`,
    [zarr, ref],
  );
  const values = new Float32Array(readFileSync(ref).buffer.slice(0));

  const opened = await runJob('open-stack', { source: { kind: 'file', path: zarr } });
  const openEnd = opened.at(-1)!;
  assert.equal(openEnd.state, 'done', JSON.stringify(openEnd.error));
  const stack = openEnd.result as StackInfo;
  assert.deepEqual([stack.depth, stack.height, stack.width], [6, 32, 32]);
  assert.deepEqual([stack.min, stack.max], [Math.min(...values), Math.max(...values)]);

  const trained = await runJob('train', {
    stackId: stack.stackId,
    config: { engine: 'onnx', provider: 'cpu', widthScale: 0.125, epochs: 1, stepsPerEpoch: 2, batch: 2, patch: 16, valFraction: 0, seed: 1 },
  });
  const trainEnd = trained.at(-1)!;
  assert.equal(trainEnd.state, 'done', JSON.stringify(trainEnd.error));
  const model = trainEnd.result as TrainedModelSummary;
  assert.equal(model.engine.engine, 'onnx', `trained on ${JSON.stringify(model.engine)}`);
  assert.equal(Math.max(...trained.map((u) => u.values.step ?? 0)), 2, 'two training steps');
  assert.ok(Number.isFinite(model.finalLoss), `final loss ${model.finalLoss}`);

  const denoised = await runJob('denoise', { stackId: stack.stackId, modelDir: model.modelDir, engine: 'onnx' });
  const denoiseEnd = denoised.at(-1)!;
  assert.equal(denoiseEnd.state, 'done', JSON.stringify(denoiseEnd.error));
  const result = denoiseEnd.result as StackInfo & { engine: string };
  assert.deepEqual([result.depth, result.height, result.width], [6, 32, 32]);
  assert.match(result.engine, /^onnx\//, `denoised on ${result.engine}`);
  const log = stderr.join('');
  assert.doesNotMatch(log, /unavailable|falling back|using tfjs/, log);
});
