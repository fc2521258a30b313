import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeStack, readStack } from '../../../main/io/index.ts';
import { makeStack } from '../../../shared/stack.ts';
import { runPython } from '../../helpers/python.ts';

const BIN = join(import.meta.dirname, '../../../bin/n2s.mjs');
const n2s = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8' });

test('n2s convert TIFF → OME-Zarr → TIFF keeps values, dtype and voxel size; n2s info reads the Zarr', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-zcli-'));
  const data = new Float32Array(3 * 10 * 12).map((_, i) => (i * 37) % 4096);
  const tif = join(dir, 'a.tif');
  await writeStack(tif, makeStack(3, 10, 12, data, { name: 'a', dtype: 'uint16', voxelSize: { z: 1.5, y: 0.2, x: 0.2, unit: 'micron' } }));
  const zarr = join(dir, 'a.zarr');
  const c1 = n2s('convert', tif, zarr, '--dtype', 'keep');
  assert.equal(c1.status, 0, c1.stderr);
  const info = n2s('info', zarr, '--json');
  assert.equal(info.status, 0, info.stderr);
  const i = JSON.parse(info.stdout.trim().split('\n').pop()!);
  assert.equal(i.flavour, 'zarr');
  assert.equal(i.dtype, 'uint16');
  assert.deepEqual([i.depth, i.height, i.width], [3, 10, 12]);
  assert.equal(i.voxelSize.z, 1.5);
  assert.equal(i.voxelSize.unit, 'micron');
  // python3-zarr sees the same numbers
  const py = JSON.parse(runPython(`
import sys, json, zarr
g = zarr.open_group(sys.argv[1], mode='r')
print(json.dumps({'dtype': str(g['0'].dtype), 'v': int(g['0'][2, 9, 11]), 'scale': g.attrs['multiscales'][0]['datasets'][0]['coordinateTransformations'][0]['scale']}))`, [zarr]));
  assert.equal(py.dtype, 'uint16');
  assert.equal(py.v, data[2 * 120 + 9 * 12 + 11]);
  assert.deepEqual(py.scale, [1.5, 0.2, 0.2]);
  const back = join(dir, 'b.tif');
  const c2 = n2s('convert', zarr, back, '--dtype', 'keep');
  assert.equal(c2.status, 0, c2.stderr);
  const s = await readStack(back);
  assert.deepEqual(s.data, data);
  assert.equal(s.meta.dtype, 'uint16');
  assert.ok(Math.abs(s.meta.voxelSize.z - 1.5) < 1e-9 && Math.abs(s.meta.voxelSize.x - 0.2) < 1e-6);
});
