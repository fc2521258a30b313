/**
 * NIfTI-1 files written by an independent writer (Python struct + numpy, following nifti1.h):
 * big-endian int16 with scl_slope/scl_inter, a 4-D series, gzip; plus header faults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeStack, readStack, writeStack } from '../../../main/io/index.ts';
import { pythonHas, runPython, tempDir } from './helpers.ts';

const skip = pythonHas('numpy') ? false : 'needs /usr/bin/python3 with numpy';

const WRITE_NIFTI = String.raw`
import sys, struct, gzip, json, numpy as np
d = sys.argv[1]
def nifti(path, data, dtype_code, bitpix, endian, pixdim, units, slope, inter, gz=False, geom=False):
    nx, ny, nz, nt = data.shape[::-1] if data.ndim == 4 else (*data.shape[::-1], 1)
    ndim = 4 if data.ndim == 4 else 3
    h = bytearray(352)
    e = endian
    struct.pack_into(e + 'i', h, 0, 348)
    struct.pack_into(e + '8h', h, 40, ndim, nx, ny, nz, nt, 1, 1, 1)
    struct.pack_into(e + 'h', h, 70, dtype_code)
    struct.pack_into(e + 'h', h, 72, bitpix)
    struct.pack_into(e + '8f', h, 76, 1.0, *pixdim, 1.0, 0, 0, 0)
    struct.pack_into(e + 'f', h, 108, 352.0)
    struct.pack_into(e + 'f', h, 112, slope)
    struct.pack_into(e + 'f', h, 116, inter)
    h[123] = units
    h[148:148+12] = b'test volume\0'
    h[344:348] = b'n+1\0'
    if geom:
        # Scanner geometry: qform (quaternion) and sform (affine rows), which must survive a write-back.
        struct.pack_into(e + '2h', h, 252, 1, 2)
        struct.pack_into(e + '6f', h, 256, 0.1, 0.2, 0.3, -90.5, 12.25, 7.0)
        struct.pack_into(e + '12f', h, 280, 1, 0, 0, -90.5, 0, 1, 0, 12.25, 0, 0, 1, 7.0)
    body = bytes(h) + data.tobytes()
    (gzip.open if gz else open)(path, 'wb').write(body)
rng = np.random.default_rng(3)
# t, z, y, x with x fastest in the file = C order of [t][z][y][x].
a = rng.integers(-2000, 2000, (2, 3, 4, 5)).astype('>i2')
nifti(f'{d}/be_scaled.nii', a, 4, 16, '>', (1.5, 1.5, 3.0), 2, 2.0, -10.0)
np.ascontiguousarray(a[1].astype(np.float64) * 2.0 - 10.0, dtype='<f4').tofile(f'{d}/be_scaled.raw')
b = rng.standard_normal((6, 7, 8)).astype('<f4')
nifti(f'{d}/f32.nii.gz', b, 16, 32, '<', (0.8, 0.9, 1.1), 3, 0.0, 0.0, gz=True)
b.tofile(f'{d}/f32.raw')
c = rng.integers(0, 60000, (2, 3, 4)).astype('<u2')
nifti(f'{d}/u16.nii', c, 512, 16, '<', (1, 1, 1), 2, 1.0, 0.0, geom=True)
c.astype('<f4').tofile(f'{d}/u16.raw')
print(json.dumps('ok'))
`;

function raw(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

test('NIfTI-1 from an independent writer: big-endian, scl_slope/inter, 4-D time choice, gzip, units', { skip }, async () => {
  const { dir, cleanup } = tempDir('nifti');
  try {
    runPython(WRITE_NIFTI, [dir]);
    const scaledInfo = await probeStack(join(dir, 'be_scaled.nii'));
    assert.equal(scaledInfo.axes, 'TZYX');
    assert.deepEqual(scaledInfo.shape, [2, 3, 4, 5]);
    assert.equal(scaledInfo.dtype, 'float32', 'scaled integers are reported as float32');
    await assert.rejects(readStack(join(dir, 'be_scaled.nii')), /be_scaled\.nii: has 2 time points; choose one with --time \(0–1\)/);
    const s = await readStack(join(dir, 'be_scaled.nii'), { time: 1 });
    assert.deepEqual([s.depth, s.height, s.width], [3, 4, 5]);
    assert.deepEqual(s.data, raw(join(dir, 'be_scaled.raw')));
    assert.deepEqual(s.meta.voxelSize, { x: 1.5, y: 1.5, z: 3, unit: 'mm' });
    assert.equal(s.meta.description, 'test volume');

    const f = await readStack(join(dir, 'f32.nii.gz'));
    assert.deepEqual(f.data, raw(join(dir, 'f32.raw')));
    assert.equal(f.meta.voxelSize.unit, 'micron');
    assert.ok(Math.abs(f.meta.voxelSize.z - 1.1) < 1e-6);

    const u = await readStack(join(dir, 'u16.nii'));
    assert.equal(u.meta.dtype, 'uint16');
    assert.deepEqual(u.data, raw(join(dir, 'u16.raw')));

    // Written back as NIfTI (from the in-memory stack) it keeps values and the scanner geometry
    // (qform/sform, bytes 252–344) of the file it was read from.
    await writeStack(join(dir, 'back.nii'), u);
    const back = await readStack(join(dir, 'back.nii'));
    assert.deepEqual(back.data, u.data);
    assert.equal(back.meta.dtype, 'uint16');
    const geometry = (f: string) => readFileSync(join(dir, f)).subarray(252, 344);
    assert.deepEqual(geometry('back.nii'), geometry('u16.nii'));
    assert.notDeepEqual(geometry('u16.nii'), Buffer.alloc(92));
  } finally {
    cleanup();
  }
});

test('the real MRI volumes in /work/shared/data/mri read with their voxel size (when present)', async (t) => {
  const itk = '/work/shared/data/mri/itk_t1_head_2x2x3mm.nii.gz';
  if (!existsSync(itk)) {
    t.skip('shared MRI data not present on this machine');
    return;
  }
  const info = await probeStack(itk);
  assert.equal(info.flavour, 'nifti');
  assert.deepEqual([info.voxelSize.x, info.voxelSize.y, info.voxelSize.z, info.voxelSize.unit], [2, 2, 3, 'mm']);
});
