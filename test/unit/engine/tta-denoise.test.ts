/**
 * n2s denoise --tta through the denoise workflow: an OME-Zarr volume denoised in 1, 2 and 3
 * shards gives exactly the unsharded ensembled output (which differs from the plain one), the
 * result reports whether the ensemble was used, and the automatic rule follows the volume size.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readZarr, writeZarr } from '../../../main/io/zarr.ts';
import { run as runDenoise } from '../../../main/cli/commands/denoise.ts';
import { ttaFor } from '../../../main/engine/tta.ts';
import { noisyVolume, tinyModel, tmp } from '../shard/fixtures.ts';

let dir = '';
let model = '';
let vol = '';
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
  dir = tmp('tta');
  model = await tinyModel(join(dir, 'model'));
  vol = join(dir, 'vol.zarr');
  await writeZarr(vol, noisyVolume(7, 40, 36, 1), { chunks: [2, 40, 36] });
});

test('--tta: N = 1, 2, 3 OME-Zarr shards give exactly the unsharded ensembled output', async () => {
  const den = (out: string, ...more: string[]) => quiet(() => runDenoise(['--model', model, '--input', vol, '--output', out, '--engine', 'onnx', ...more]));
  assert.equal(await den(join(dir, 'plain.zarr'), '--no-tta'), 0);
  assert.equal(await den(join(dir, 'ref.zarr'), '--tta'), 0);
  const plain = (await readZarr(join(dir, 'plain.zarr'))).data;
  const ref = (await readZarr(join(dir, 'ref.zarr'))).data;
  assert.ok(ref.some((v, i) => v !== plain[i]), 'the ensemble changes the output');
  for (const n of [1, 2, 3]) {
    const out = join(dir, `tta${n}.zarr`);
    for (let i = 0; i < n; i++) assert.equal(await den(out, '--tta', '--shard', `${i}/${n}`), 0);
    assert.deepEqual((await readZarr(out)).data, ref, `N=${n}`);
  }
});

test('automatic rule: on for a small volume, off for a large one, decided on the whole volume; explicit choice wins', () => {
  const onnx = { engine: 'onnx' as const, backend: 'cpu' };
  assert.equal(ttaFor(undefined, 40 * 256 * 256, 2, onnx).use, true);
  assert.equal(ttaFor(undefined, 10 * 2160 * 2160, 2, onnx).use, false);
  assert.equal(ttaFor(undefined, 40 * 256 * 256, 2, { engine: 'tfjs', backend: 'cpu' }).use, false, 'pure-JS tfjs is too slow for ×8');
  assert.equal(ttaFor(true, 10 * 2160 * 2160, 2, onnx).use, true);
  assert.equal(ttaFor(false, 100, 2, onnx).use, false);
  assert.match(ttaFor(undefined, 10 * 2160 * 2160, 2, onnx).why, /off .*--tta to force it/);
});
