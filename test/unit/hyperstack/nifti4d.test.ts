/**
 * NIfTI 4-D: a one-channel time series is written as dim = [4, X, Y, Z, T] with its time step in
 * pixdim[4] and xyzt_units, read back whole, and the header is what numpy sees byte by byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readHyperstack, writeHyperstack } from '../../../main/io/hyperstack.ts';
import type { Hyperstack } from '../../../shared/hyperstack.ts';
import { pythonHas, runPython, tempDir } from '../io/helpers.ts';

const skip = pythonHas('numpy') ? false : 'needs /usr/bin/python3 with numpy';

const READ = String.raw`
import json, sys, numpy as np
b = open(sys.argv[1], 'rb').read()
dim = np.frombuffer(b, '<i2', 8, 40).tolist(); pixdim = np.frombuffer(b, '<f4', 8, 76).tolist()
off = int(np.frombuffer(b, '<f4', 1, 108)[0]); units = b[123]
data = np.frombuffer(b, '<i2', dim[1] * dim[2] * dim[3] * dim[4], off).reshape(dim[4], dim[3], dim[2], dim[1])
print(json.dumps(dict(dim=dim, pixdim=pixdim, space=units & 7, time=units & 0x38, first=data[:, :, 0, 0].tolist())))
`;

test('a time series round-trips through NIfTI 4-D with its time step', { skip }, async () => {
  const { dir, cleanup } = tempDir('nifti4d');
  try {
    const T = 3, Z = 4, H = 5, W = 6;
    const data = new Float32Array(T * Z * H * W).map((_, i) => (i % 97) - 40);
    const h: Hyperstack = {
      data,
      meta: {
        name: 'fmri', dtype: 'int16', flavour: 'synthetic', times: T, channels: 1, depth: Z, height: H, width: W, order: 'TCZ', axes: 'TZYX',
        voxelSize: { z: 3, y: 2, x: 2, unit: 'mm' }, timeIncrement: { value: 1500, unit: 'ms' }, channelMeta: [{}],
      },
    };
    const out = join(dir, 'fmri.nii');
    await writeHyperstack(out, h);
    const py = runPython(READ, [out]) as { dim: number[]; pixdim: number[]; space: number; time: number; first: number[][] };
    assert.deepEqual(py.dim.slice(0, 5), [4, W, H, Z, T]);
    assert.deepEqual(py.pixdim.slice(1, 5), [2, 2, 3, 1500]);
    assert.equal(py.space, 2, 'mm');
    assert.equal(py.time, 16, 'ms');
    assert.deepEqual(py.first, Array.from({ length: T }, (_, t) => Array.from({ length: Z }, (_, z) => data[(t * Z + z) * H * W])));
    const back = await readHyperstack(out);
    assert.deepEqual([back.meta.times, back.meta.channels, back.meta.depth, back.meta.axes], [T, 1, Z, 'TZYX']);
    assert.deepEqual(back.data, data);
    assert.deepEqual(back.meta.timeIncrement, { value: 1500, unit: 'ms' });
    await assert.rejects(writeHyperstack(join(dir, 'two.nii'), { ...h, meta: { ...h.meta, times: 1, channels: 3, depth: 4 } }), /NIfTI holds one channel/);
  } finally {
    cleanup();
  }
});
