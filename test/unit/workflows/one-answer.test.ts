/**
 * One answer whichever door the user takes (issue 15): a tiny model trained with --background on a
 * seeded stack that carries a strong camera background pattern, then the same stack denoised
 *   (1) by `n2s denoise` on the stack file,
 *   (2) by `n2s denoise` on a folder holding that file,
 *   (3) by `n2s denoise --shard 0/2` and `--shard 1/2` on the stack as an OME-Zarr volume,
 *   (4) by the app's denoise job on the stack opened in the app.
 * All four outputs must be bit-identical (one engine throughout). Before the denoise workflow, the
 * app's job and the OME-Zarr path forgot to subtract the model's background pattern, so (3) and (4)
 * differed from (1) by a large part of the pattern's amplitude.
 *
 * Only the shipped entry points are used (bin/n2s.mjs, createAppCore, main/io), so the same file
 * also runs against older code.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppCore } from '../../../main/app/core.ts';
import { memoryLogger } from '../../../main/app/log.ts';
import { readStack, writeStack } from '../../../main/io/index.ts';
import { readZarr, writeZarr } from '../../../main/io/zarr.ts';
import { makeStack, type Stack } from '../../../shared/stack.ts';
import { createRng } from '../../../shared/random.ts';
import type { StackInfo } from '../../../shared/ipc/stacks.ts';

const BIN = join(import.meta.dirname, '../../../bin/n2s.mjs');
const ENGINE = ['--engine', 'onnx'];
const D = 7;
const H = 40;
const W = 36;
let dir = '';
let model = '';
let stackPath = '';
let stack: Stack;

function n2s(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Blobs changing slowly along z plus noise, on top of a fixed per-pixel camera pattern. */
function seededData(): { data: Float32Array; background: Float32Array } {
  const rng = createRng(15);
  const background = new Float32Array(H * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) background[y * W + x] = 100 + 300 * ((x / W) * 0.7 + 0.3 * Math.sin(y / 3)) + 40 * rng.next();
  const data = new Float32Array(D * H * W);
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const s = 800 * Math.exp(-((y - H / 2) ** 2 + (x - W / 3) ** 2 + (z * 4 - D * 2) ** 2) / 200);
        data[(z * H + y) * W + x] = Math.round(background[y * W + x] + s + 30 * rng.normal());
      }
    }
  }
  return { data, background };
}

const core = () => createAppCore({ mode: 'bridge', version: 'test', userDataDir: dir, roots: [dir], log: memoryLogger(), jobs: { progressIntervalMs: 0 } });
let app: ReturnType<typeof core> | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n2s-one-answer-'));
  const { data, background } = seededData();
  const voxelSize = { z: 2, y: 0.5, x: 0.5, unit: 'micron' };
  stack = makeStack(D, H, W, data, { name: 'stack.tif', dtype: 'float32', voxelSize });
  mkdirSync(join(dir, 'in'));
  stackPath = join(dir, 'in', 'stack.tif');
  await writeStack(stackPath, stack, { dtype: 'float32' });
  await writeStack(join(dir, 'background.tif'), makeStack(1, H, W, background, { name: 'background.tif', dtype: 'float32' }), { dtype: 'float32' });
  await writeZarr(join(dir, 'stack.zarr'), stack, { chunks: [2, H, W] });
  model = join(dir, 'model');
  const t = await n2s([
    'train', '--input', stackPath, '--out', model, '--background', join(dir, 'background.tif'),
    '--width-scale', '0.125', '--epochs', '1', '--steps-per-epoch', '2', '--batch', '2', '--patch', '16', '--seed', '3',
    '--engine', 'tfjs', '--backend', 'cpu',
  ]);
  assert.equal(t.code, 0, t.stderr);
});

after(async () => {
  await app?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the CLI (stack, folder), two OME-Zarr shards and the app denoise job give one answer', async () => {
  const one = join(dir, 'one.tif');
  let r = await n2s(['denoise', '--model', model, '--input', stackPath, '--output', one, ...ENGINE]);
  assert.equal(r.code, 0, r.stderr);
  const expected = (await readStack(one)).data;
  assert.equal(expected.length, D * H * W);

  r = await n2s(['denoise', '--model', model, '--input', join(dir, 'in'), '--output', join(dir, 'folder-out'), ...ENGINE]);
  assert.equal(r.code, 0, r.stderr);
  const folder = (await readStack(join(dir, 'folder-out', 'stack.tif'))).data;

  const zarrOut = join(dir, 'out.zarr');
  for (const shard of ['1/2', '0/2']) {
    r = await n2s(['denoise', '--model', model, '--input', join(dir, 'stack.zarr'), '--output', zarrOut, '--shard', shard, ...ENGINE]);
    assert.equal(r.code, 0, r.stderr);
  }
  const zarr = (await readZarr(zarrOut)).data;

  app = core();
  const opened = app.services.stacks.add(makeStack(D, H, W, (await readStack(stackPath)).data, { ...stack.meta, sourcePath: stackPath }), 'primary');
  const events: string[] = [];
  const off = app.events.addSink((name, payload) => {
    const p = payload as { kind?: string; event?: { type: string } };
    if (name === 'job:update' && p.kind === 'denoise' && p.event) events.push(p.event.type);
  });
  const job = await app.jobs.wait(await app.jobs.start('denoise', { stackId: opened.stackId, modelDir: model, engine: 'onnx' }));
  off();
  assert.equal(job.state, 'done', JSON.stringify(job.error));
  const fromApp = app.services.stacks.get((job.result as StackInfo).stackId).data;
  // The app's job forwards the workflow's typed events to the renderer.
  assert.ok(events.includes('engine') && events.includes('plane'), events.join(','));

  const maxDiff = (a: ArrayLike<number>) => {
    let m = 0;
    for (let i = 0; i < expected.length; i++) m = Math.max(m, Math.abs(a[i] - expected[i]));
    return m;
  };
  // The output is not trivially the input, and the pattern matters: without it the answer moves.
  assert.ok(expected.some((v, i) => v !== stack.data[i]), 'the denoised stack differs from the input');
  assert.deepEqual(
    { folder: maxDiff(folder), zarrShards: maxDiff(zarr), appJob: maxDiff(fromApp) },
    { folder: 0, zarrShards: 0, appJob: 0 },
    'largest difference from `n2s denoise` on the stack file, per door',
  );
});
