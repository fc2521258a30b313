import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeZarr, openZarr, readZarr } from '../../../main/io/zarr.ts';
import { makeStack } from '../../../shared/stack.ts';
import { createRng } from '../../../shared/random.ts';
import { runPython } from '../../helpers/python.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'n2s-zarr-'));

test('OME-Zarr written by us is read by python3-zarr with the same values, chunks and multiscales', () => {
  return (async () => {
    const dir = tmp();
    const rng = createRng(3);
    const data = new Float32Array(5 * 37 * 29).map(() => Math.round(rng.next() * 4000));
    const stack = makeStack(5, 37, 29, data, { name: 'vol', dtype: 'uint16', voxelSize: { z: 2, y: 0.5, x: 0.5, unit: 'micron' } });
    const out = join(dir, 'vol.zarr');
    await writeZarr(out, stack, { chunks: [2, 16, 16], levels: 2 });
    writeFileSync(join(dir, 'ours.f32'), Buffer.from(data.buffer));
    const py = runPython(`
import sys, json, zarr, numpy as np
g = zarr.open_group(sys.argv[1], mode='r')
a = g['0']
ms = g.attrs['multiscales'][0]
ref = np.fromfile(sys.argv[2], dtype=np.float32).reshape(5, 37, 29)
print(json.dumps({'dtype': str(a.dtype), 'shape': a.shape, 'chunks': a.chunks, 'compressor': a.compressor.codec_id,
  'equal': bool(np.array_equal(a[:].astype(np.float32), ref)), 'version': ms['version'],
  'axes': [x['name'] for x in ms['axes']], 'units': [x.get('unit') for x in ms['axes']],
  'scale0': ms['datasets'][0]['coordinateTransformations'][0]['scale'],
  'scale1': ms['datasets'][1]['coordinateTransformations'][0]['scale'], 'shape1': g['1'].shape,
  'mean1': float(g['1'][1, 0, 0]), 'ref1': float(ref[1, 0:2, 0:2].mean())}))
`, [out, join(dir, 'ours.f32')]);
    const r = JSON.parse(py);
    assert.equal(r.dtype, 'uint16');
    assert.deepEqual(r.shape, [5, 37, 29]);
    assert.deepEqual(r.chunks, [2, 16, 16]);
    assert.equal(r.compressor, 'zlib');
    assert.equal(r.equal, true);
    assert.equal(r.version, '0.4');
    assert.deepEqual(r.axes, ['z', 'y', 'x']);
    assert.deepEqual(r.units, ['micrometer', 'micrometer', 'micrometer']);
    assert.deepEqual(r.scale0, [2, 0.5, 0.5]);
    assert.deepEqual(r.scale1, [2, 1, 1]);
    assert.deepEqual(r.shape1, [5, 18, 14]);
    assert.ok(Math.abs(r.mean1 - Math.round(r.ref1)) <= 0.5);
  })();
});

test('OME-Zarr written by python3-zarr (czyx, gzip, multiscales) is read by us', async () => {
  const dir = tmp();
  const out = join(dir, 'py.zarr');
  runPython(`
import sys, zarr, numpy as np, numcodecs
rng = np.random.default_rng(5)
a = rng.normal(size=(2, 6, 20, 24)).astype(np.float32)
g = zarr.open_group(sys.argv[1], mode='w')
g.create_dataset('0', data=a, chunks=(1, 2, 10, 12), compressor=numcodecs.GZip(level=3))
g.attrs['multiscales'] = [{'version': '0.4', 'axes': [{'name': 'c', 'type': 'channel'}, {'name': 'z', 'type': 'space', 'unit': 'micrometer'},
  {'name': 'y', 'type': 'space', 'unit': 'micrometer'}, {'name': 'x', 'type': 'space', 'unit': 'micrometer'}],
  'datasets': [{'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [1, 3.0, 0.25, 0.25]}]}]}]
a.tofile(sys.argv[2])
`, [out, join(dir, 'ref.f32')]);
  const ref = new Float32Array(readFileSync(join(dir, 'ref.f32')).buffer.slice(0));
  const src = await openZarr(out, { channel: 1 });
  assert.equal(src.depth, 6);
  assert.equal(src.height, 20);
  assert.equal(src.width, 24);
  assert.equal(src.chunkDepth, 2);
  assert.deepEqual(src.meta.voxelSize, { z: 3, y: 0.25, x: 0.25, unit: 'micron' });
  assert.equal(src.meta.sourceAxes, 'CZYX');
  const p3 = await src.readPlane(3);
  const off = 1 * 6 * 20 * 24 + 3 * 20 * 24;
  assert.deepEqual(p3, ref.subarray(off, off + 20 * 24));
  await assert.rejects(openZarr(out, { channel: 2 }), /--channel 2 out of range/);
  const whole = await readZarr(out, { channel: 0 });
  assert.deepEqual(whole.data, ref.subarray(0, 6 * 20 * 24));
});

test('NGFF 0.5 on Zarr v3 is read (metadata in zarr.json attributes.ome)', async () => {
  const dir = tmp();
  const root = join(dir, 'v3.zarr');
  // A minimal v3 volume written by hand: uncompressed little-endian float32, one chunk.
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(root, '0', 'c', '0', '0'), { recursive: true });
  writeFileSync(join(root, 'zarr.json'), JSON.stringify({
    zarr_format: 3, node_type: 'group',
    attributes: { ome: { version: '0.5', multiscales: [{ axes: [{ name: 'z', type: 'space', unit: 'micrometer' }, { name: 'y', type: 'space', unit: 'micrometer' }, { name: 'x', type: 'space', unit: 'micrometer' }],
      datasets: [{ path: '0', coordinateTransformations: [{ type: 'scale', scale: [2, 1, 1] }] }] }] } },
  }));
  writeFileSync(join(root, '0', 'zarr.json'), JSON.stringify({
    zarr_format: 3, node_type: 'array', shape: [2, 3, 4], data_type: 'float32',
    chunk_grid: { name: 'regular', configuration: { chunk_shape: [2, 3, 4] } },
    chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
    codecs: [{ name: 'bytes', configuration: { endian: 'little' } }], fill_value: 0,
  }));
  const vals = new Float32Array(24).map((_, i) => i * 0.5);
  writeFileSync(join(root, '0', 'c', '0', '0', '0'), Buffer.from(vals.buffer));
  const s = await readZarr(root);
  assert.deepEqual([s.depth, s.height, s.width], [2, 3, 4]);
  assert.deepEqual(s.data, vals);
  assert.equal(s.meta.voxelSize.z, 2);
});

test('writing refuses to replace an existing volume without overwrite', async () => {
  const dir = tmp();
  const s = makeStack(2, 4, 4, undefined, { name: 'x' });
  await writeZarr(join(dir, 'a.zarr'), s);
  await assert.rejects(writeZarr(join(dir, 'a.zarr'), s), /already exists/);
  await writeZarr(join(dir, 'a.zarr'), s, { overwrite: true });
});
