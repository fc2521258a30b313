import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeZarr, readZarr } from '../../../main/io/zarr.ts';
import { writeStack, readStack } from '../../../main/io/index.ts';
import { run as runBatchDenoise } from '../../../main/cli/commands/denoise.ts';
import { tmp, tinyModel, noisyVolume } from './fixtures.ts';

const BIN = join(import.meta.dirname, '../../../bin/n2s.mjs');
let dir = '';
let model = '';
let vol = '';
let ref = '';
const quiet = async (fn: () => Promise<number>) => {
  const w = process.stderr.write.bind(process.stderr);
  const o = process.stdout.write.bind(process.stdout);
  process.stderr.write = (() => true) as typeof process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stderr.write = w;
    process.stdout.write = o;
  }
};

before(async () => {
  dir = tmp('shard');
  model = await tinyModel(join(dir, 'model'));
  vol = join(dir, 'vol.zarr');
  await writeZarr(vol, noisyVolume(7, 40, 36, 1), { chunks: [2, 40, 36] });
  ref = join(dir, 'ref.zarr');
  assert.equal(await quiet(() => runBatchDenoise(['--model', model, '--input', vol, '--output', ref, '--engine', 'onnx'])), 0);
});

test('OME-Zarr: N = 1, 2, 3 shards give exactly the unsharded output', async () => {
  const expected = await readZarr(ref);
  assert.ok(expected.data.some((v) => v !== 0), 'reference output is not empty');
  for (const n of [1, 2, 3]) {
    const out = join(dir, `out${n}.zarr`);
    for (let i = n - 1; i >= 0; i--) {
      assert.equal(await quiet(() => runBatchDenoise(['--model', model, '--input', vol, '--output', out, '--shard', `${i}/${n}`, '--engine', 'onnx'])), 0);
    }
    const got = await readZarr(out);
    assert.deepEqual([got.depth, got.height, got.width], [7, 40, 36]);
    assert.deepEqual(got.data, expected.data, `N=${n}`);
    assert.deepEqual(got.meta.voxelSize, { z: 2, y: 0.5, x: 0.5, unit: 'micron' });
  }
});

test('a shard killed mid-way leaves no partial chunk, and a rerun completes the output correctly', async () => {
  const out = join(dir, 'killed.zarr');
  const args = ['denoise', '--model', model, '--input', vol, '--output', out, '--shard', '0/1', '--engine', 'onnx'];
  const r1 = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, N2S_FAULT_AFTER_CHUNKS: '2' }, encoding: 'utf8' });
  assert.equal(r1.signal, 'SIGKILL', r1.stderr);
  const st = spawnSync(process.execPath, [BIN, 'status', '--output', out, '--json'], { encoding: 'utf8' });
  assert.equal(st.status, 3, st.stderr);
  const s = JSON.parse(st.stdout);
  assert.equal(s.complete, 2);
  assert.equal(s.total, 4);
  assert.deepEqual(s.missing, ['planes 4-5', 'planes 6-6']);
  const r2 = spawnSync(process.execPath, [BIN, ...args, '--json'], { encoding: 'utf8' });
  assert.equal(r2.status, 0, r2.stderr);
  const res = JSON.parse(r2.stdout.trim().split('\n').pop()!);
  assert.equal(res.skipped, 2, 'completed chunks are skipped on the rerun');
  assert.equal(res.chunks, 2);
  assert.deepEqual((await readZarr(out)).data, (await readZarr(ref)).data);
  const st2 = spawnSync(process.execPath, [BIN, 'status', '--output', out, '--shards', '2', '--json'], { encoding: 'utf8' });
  assert.equal(st2.status, 0);
  assert.deepEqual(JSON.parse(st2.stdout).shards.map((x: { finished: boolean }) => x.finished), [true, true]);
});

test('folder of stacks: N = 1, 2, 3 shards give the unsharded outputs; reruns skip finished files', async () => {
  const inDir = join(dir, 'stacks');
  mkdirSync(inDir);
  for (let i = 0; i < 4; i++) await writeStack(join(inDir, `s${i + 1}.tif`), noisyVolume(4, 24, 20, 10 + i, `s${i}`));
  const refDir = join(dir, 'ref-files');
  assert.equal(await quiet(() => runBatchDenoise(['--model', model, '--input', inDir, '--output', refDir, '--engine', 'onnx'])), 0);
  for (const n of [2, 3]) {
    const out = join(dir, `files${n}`);
    for (let i = 0; i < n; i++) {
      assert.equal(await quiet(() => runBatchDenoise(['--model', model, '--input', inDir, '--output', out, '--shard', `${i}/${n}`, '--engine', 'onnx'])), 0);
    }
    for (let i = 1; i <= 4; i++) {
      const a = await readStack(join(out, `s${i}.tif`));
      const b = await readStack(join(refDir, `s${i}.tif`));
      assert.deepEqual(a.data, b.data, `N=${n} file ${i}`);
      assert.deepEqual(a.meta.voxelSize, b.meta.voxelSize);
    }
  }
  rmSync(join(refDir, 's3.tif'));
  const r = spawnSync(process.execPath, [BIN, 'denoise', '--model', model, '--input', inDir, '--output', refDir, '--engine', 'onnx', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.deepEqual([res.denoised, res.skipped], [1, 3]);
  assert.ok(existsSync(join(refDir, 's3.tif')));
});

test('bad shard flags give one clear error', () => {
  const r = spawnSync(process.execPath, [BIN, 'denoise', '--model', model, '--input', vol, '--output', join(dir, 'x.zarr'), '--shard', '3/3'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr.trim(), /^n2s denoise: error: --shard 3\/3: I must be in 0…2$/);
});
