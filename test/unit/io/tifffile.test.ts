/**
 * Independence: files written by tifffile (and Pillow/libtiff for LZW and PackBits) are read
 * correctly by our reader, and files we write are read correctly by tifffile. One Python process
 * per direction keeps the test fast.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { makeStack, type DType } from '../../../shared/stack.ts';
import { probeStack, readStack, writeStack } from '../../../main/io/index.ts';
import { f32sha, pythonHas, runPython, tempDir } from './helpers.ts';

const haveTools = pythonHas('numpy', 'tifffile', 'PIL');
const skip = haveTools ? false : 'needs /usr/bin/python3 with numpy, tifffile and PIL (scripts/setup-system.sh)';

/**
 * Each case: a file written by an independent writer, and the ZYX float32 plane data we must read
 * for the given channel/time (<name>.raw, little-endian float32).
 */
const GENERATE = String.raw`
import json, sys, numpy as np, tifffile
from PIL import Image
d = sys.argv[1]
rng = np.random.default_rng(7)
cases = []
def case(name, expected, **info):
    np.ascontiguousarray(expected, dtype='<f4').tofile(f'{d}/{name}.raw')
    cases.append(dict(name=name, shape=list(expected.shape), **info))

# ImageJ hyperstack ZCYX (4 slices, 3 channels), uint16, 0.5 um pixels, 2 um spacing.
a = rng.integers(0, 65535, (4, 3, 10, 12), dtype=np.uint16)
tifffile.imwrite(f'{d}/ij_zcyx.tif', a, imagej=True, resolution=(2.0, 2.0),
                 metadata={'spacing': 2.0, 'unit': 'um', 'axes': 'ZCYX', 'Labels': ['DAPI', 'GFP', 'RFP'] * 4})
case('ij_zcyx', a[:, 1], file='ij_zcyx.tif', channel=1, axes='ZCYX', dtype='uint16',
     voxel=[2.0, 0.5, 0.5], unit='micron', channels=3, times=1, channelName='GFP')

# ImageJ itself writes big-endian (Motorola) files by default: same hyperstack, byteorder '>'.
a2 = rng.integers(0, 65535, (3, 2, 6, 7), dtype=np.uint16)
tifffile.imwrite(f'{d}/ij_be.tif', a2, imagej=True, byteorder='>', resolution=(10.0, 10.0),
                 metadata={'spacing': 0.5, 'unit': '\\u00B5m', 'axes': 'ZCYX'})
case('ij_be', a2[:, 0], file='ij_be.tif', channel=0, axes='ZCYX', dtype='uint16',
     voxel=[0.5, 0.1, 0.1], unit='micron', channels=2, times=1)

# ImageJ without a unit in the description: the resolution tags (pixels per cm) give the size.
cm = rng.integers(0, 255, (3, 4, 5), dtype=np.uint8)
tifffile.imwrite(f'{d}/ij_cm.tif', cm, imagej=True, resolution=(2000.0, 2000.0), resolutionunit='CENTIMETER', metadata={'axes': 'ZYX'})
case('ij_cm', cm, file='ij_cm.tif', dtype='uint8', axes='ZYX', voxel=[1.0, 5.0, 5.0], unit='micron')

# ImageJ TZCYX, float32: pick time 1, channel 0.
b = rng.standard_normal((2, 5, 2, 8, 9)).astype(np.float32)
tifffile.imwrite(f'{d}/ij_tzcyx.tif', b, imagej=True, metadata={'axes': 'TZCYX', 'unit': 'micron', 'spacing': 0.75},
                 resolution=(4.0, 4.0))
case('ij_tzcyx', b[1, :, 0], file='ij_tzcyx.tif', channel=0, time=1, axes='TZCYX', dtype='float32',
     voxel=[0.75, 0.25, 0.25], unit='micron', channels=2, times=2)

# OME-TIFF ZYX float32 with physical sizes in um.
c = rng.standard_normal((6, 11, 13)).astype(np.float32) * 100
tifffile.imwrite(f'{d}/ome_zyx.ome.tif', c, ome=True, photometric='minisblack',
                 metadata={'axes': 'ZYX', 'PhysicalSizeX': 0.2, 'PhysicalSizeY': 0.2, 'PhysicalSizeZ': 1.5,
                           'PhysicalSizeXUnit': 'µm', 'PhysicalSizeYUnit': 'µm', 'PhysicalSizeZUnit': 'µm'})
case('ome_zyx', c, file='ome_zyx.ome.tif', axes='ZYX', dtype='float32', voxel=[1.5, 0.2, 0.2], unit='micron', channels=1, times=1)

# OME-TIFF CZYX uint8 (DimensionOrder XYZCT): channel 1.
e = rng.integers(0, 255, (2, 3, 7, 5), dtype=np.uint8)
tifffile.imwrite(f'{d}/ome_czyx.ome.tif', e, ome=True, photometric='minisblack', metadata={'axes': 'CZYX'})
case('ome_czyx', e[1], file='ome_czyx.ome.tif', channel=1, axes='CZYX', dtype='uint8', channels=2, times=1)

# BigTIFF, plain multi-page int16 with negative values.
f = rng.integers(-30000, 30000, (5, 9, 7), dtype=np.int16)
tifffile.imwrite(f'{d}/big.tif', f, bigtiff=True, photometric='minisblack')
case('big', f, file='big.tif', dtype='int16', axes='ZYX', bigtiff=True)

# Deflate with horizontal predictor, uint16, tiled 16x16 on 40x50.
g = rng.integers(0, 4000, (3, 40, 50), dtype=np.uint16)
tifffile.imwrite(f'{d}/zlib_tiled.tif', g, compression='zlib', predictor=True, tile=(16, 16), photometric='minisblack')
case('zlib_tiled', g, file='zlib_tiled.tif', dtype='uint16', axes='ZYX')

# Deflate, strips of 4 rows, float32 (with predictor if tifffile can write it).
h = (rng.standard_normal((3, 21, 17)) * 10).astype(np.float32)
try:
    tifffile.imwrite(f'{d}/zlib_float.tif', h, compression='zlib', predictor=3, rowsperstrip=4, photometric='minisblack')
except Exception:
    tifffile.imwrite(f'{d}/zlib_float.tif', h, compression='zlib', rowsperstrip=4, photometric='minisblack')
case('zlib_float', h, file='zlib_float.tif', dtype='float32', axes='ZYX')

# Big-endian uint16 and float32.
i = rng.integers(0, 65535, (4, 6, 10), dtype=np.uint16)
tifffile.imwrite(f'{d}/be_u16.tif', i, byteorder='>', photometric='minisblack')
case('be_u16', i, file='be_u16.tif', dtype='uint16', axes='ZYX')
j = rng.standard_normal((2, 5, 6)).astype(np.float32)
tifffile.imwrite(f'{d}/be_f32.tif', j, byteorder='>', photometric='minisblack', compression='zlib')
case('be_f32', j, file='be_f32.tif', dtype='float32', axes='ZYX')

# uint32 and float64 are converted to float32 in memory.
k = rng.integers(0, 2**24, (2, 4, 4), dtype=np.uint32)
tifffile.imwrite(f'{d}/u32.tif', k, photometric='minisblack')
case('u32', k, file='u32.tif', dtype='uint32', axes='ZYX')
l = rng.standard_normal((2, 4, 4))
tifffile.imwrite(f'{d}/f64.tif', l, photometric='minisblack')
case('f64', l.astype(np.float32), file='f64.tif', dtype='float64', axes='ZYX')

# Single page.
m = rng.integers(0, 255, (1, 9, 8), dtype=np.uint8)
tifffile.imwrite(f'{d}/single.tif', m[0])
case('single', m, file='single.tif', dtype='uint8', axes='ZYX')

# Pillow + libtiff: multi-page LZW (uint16) and PackBits (uint8).
n = rng.integers(0, 65535, (3, 12, 14), dtype=np.uint16)
ims = [Image.fromarray(p) for p in n]
ims[0].save(f'{d}/lzw.tif', compression='tiff_lzw', save_all=True, append_images=ims[1:])
case('lzw', n, file='lzw.tif', dtype='uint16', axes='ZYX')
# Larger random LZW data: code widths 9→12 and Clear codes; and LZW with the horizontal predictor.
n2 = rng.integers(0, 65535, (2, 150, 170), dtype=np.uint16)
ims = [Image.fromarray(p) for p in n2]
ims[0].save(f'{d}/lzw_big.tif', compression='tiff_lzw', save_all=True, append_images=ims[1:])
case('lzw_big', n2, file='lzw_big.tif', dtype='uint16', axes='ZYX')
n3 = (np.add.outer(np.arange(90), np.arange(110)) * 37 % 60000).astype(np.uint16)[None]
Image.fromarray(n3[0]).save(f'{d}/lzw_pred.tif', compression='tiff_lzw', tiffinfo={317: 2})
case('lzw_pred', n3, file='lzw_pred.tif', dtype='uint16', axes='ZYX')
# Deflate with the floating-point predictor (3), which tifffile cannot write without imagecodecs.
fp = (rng.standard_normal((1, 20, 30)) * 100).astype(np.float32)
Image.fromarray(fp[0], mode='F').save(f'{d}/float_pred.tif', compression='tiff_adobe_deflate', tiffinfo={317: 3})
case('float_pred', fp, file='float_pred.tif', dtype='float32', axes='ZYX')
o = rng.integers(0, 4, (3, 12, 14), dtype=np.uint8) * 60
ims = [Image.fromarray(p) for p in o]
ims[0].save(f'{d}/packbits.tif', compression='packbits', save_all=True, append_images=ims[1:])
case('packbits', o, file='packbits.tif', dtype='uint8', axes='ZYX')

# tifffile labels an unlabelled 3-D ImageJ stack as channels (CYX): --channels-as-z reads it as Z.
u = rng.integers(0, 65535, (4, 8, 9), dtype=np.uint16)
tifffile.imwrite(f'{d}/ij_unlabelled.tif', u, imagej=True)
case('ij_unlabelled', u, file='ij_unlabelled.tif', channelsAsZ=True, dtype='uint16', axes='ZYX')
# A time-lapse of one plane (TYX): --frames-as-z uses the frames as the stack.
v = rng.integers(0, 255, (5, 8, 9), dtype=np.uint8)
tifffile.imwrite(f'{d}/ij_tyx.tif', v, imagej=True, metadata={'axes': 'TYX'})
case('ij_tyx', v, file='ij_tyx.tif', planesFrom='T', dtype='uint8', axes='ZYX')

# Several samples per pixel that are not colour (photometric minisblack) act as channels.
q = rng.integers(0, 65535, (3, 10, 12), dtype=np.uint16)
tifffile.imwrite(f'{d}/separate.tif', q, planarconfig='separate', photometric='minisblack')
case('separate', q[2:3], file='separate.tif', channel=2, dtype='uint16', channels=3)
r = rng.integers(0, 65535, (2, 10, 12, 3), dtype=np.uint16)
tifffile.imwrite(f'{d}/contig.tif', r, planarconfig='contig', photometric='minisblack')
case('contig', np.moveaxis(r, 3, 1)[:, 1], file='contig.tif', channel=1, dtype='uint16', channels=3, axes='ZCYX')
tifffile.imwrite(f'{d}/gray_alpha.tif', np.zeros((10, 12, 2), 'u1'), photometric='minisblack', extrasamples=['unassalpha'])

# RGB must be refused, not read as 3 planes.
tifffile.imwrite(f'{d}/rgb.tif', rng.integers(0, 255, (8, 9, 3), dtype=np.uint8), photometric='rgb')
print(json.dumps(cases))
`;

const Case = z.object({
  name: z.string(),
  file: z.string(),
  shape: z.array(z.number()),
  dtype: z.string(),
  axes: z.string().optional(),
  channel: z.number().optional(),
  time: z.number().optional(),
  voxel: z.array(z.number()).optional(),
  unit: z.string().optional(),
  channels: z.number().optional(),
  times: z.number().optional(),
  bigtiff: z.boolean().optional(),
  channelsAsZ: z.boolean().optional(),
  planesFrom: z.enum(['Z', 'C', 'T']).optional(),
  channelName: z.string().optional(),
});

test('stacks written by tifffile and Pillow/libtiff are read correctly', { skip }, async () => {
  const { dir, cleanup } = tempDir('tifffile-in');
  try {
    const cases = z.array(Case).parse(runPython(GENERATE, [dir]));
    assert.ok(cases.length >= 23);
    for (const c of cases) {
      const path = join(dir, c.file);
      const s = await readStack(path, { channel: c.channel, time: c.time, channelsAsZ: c.channelsAsZ, planesFrom: c.planesFrom });
      const raw = readFileSync(join(dir, `${c.name}.raw`));
      const expected = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
      assert.deepEqual([s.depth, s.height, s.width], c.shape, `${c.name}: shape`);
      assert.equal(f32sha(s.data), f32sha(expected), `${c.name}: values`);
      assert.equal(s.meta.dtype, c.dtype as DType, `${c.name}: dtype`);
      const info = await probeStack(path);
      if (c.axes) assert.equal(c.channelsAsZ || c.planesFrom ? s.meta.sourceAxes : info.axes, c.axes, `${c.name}: axes`);
      if (c.channels) assert.equal(info.channels, c.channels, `${c.name}: channels`);
      if (c.times) assert.equal(info.times, c.times, `${c.name}: times`);
      if (c.bigtiff) assert.equal(info.details.bigTiff, true, `${c.name}: BigTIFF`);
      if (c.channelName) assert.equal(s.meta.channelName, c.channelName, `${c.name}: channel name`);
      if (c.voxel) {
        const v = s.meta.voxelSize;
        assert.ok(Math.abs(v.z - c.voxel[0]) < 1e-9 && Math.abs(v.y - c.voxel[1]) < 1e-9 && Math.abs(v.x - c.voxel[2]) < 1e-9, `${c.name}: voxel ${JSON.stringify(v)}`);
        assert.equal(v.unit, c.unit, `${c.name}: unit`);
      }
    }
    // Several channels and no choice: a clear error, not channel 0 by accident.
    await assert.rejects(readStack(join(dir, 'ij_zcyx.tif')), /has 3 channels; choose one with --channel \(0–2\)/);
    await assert.rejects(readStack(join(dir, 'ij_zcyx.tif'), { channel: 3 }), /--channel 3 is out of range/);
    await assert.rejects(readStack(join(dir, 'ij_unlabelled.tif')), /has 4 channels; choose one with --channel \(0–3\), or read them as Z planes with --channels-as-z/);
    await assert.rejects(readStack(join(dir, 'ij_tyx.tif')), /has 5 time points; choose one with --time \(0–4\), or use the frames as the stack with --frames-as-z/);
    await assert.rejects(readStack(join(dir, 'ij_zcyx.tif'), { channelsAsZ: true }), /--channels-as-z needs a file with a single Z slice, but it has axes ZCYX/);
    await assert.rejects(readStack(join(dir, 'ij_tzcyx.tif'), { channel: 0 }), /has 2 time points; choose one with --time/);
    await assert.rejects(readStack(join(dir, 'rgb.tif')), /rgb\.tif: .*RGB colour image \(3 samples per pixel\).*Split Channels/);
    await assert.rejects(readStack(join(dir, 'gray_alpha.tif')), /gray_alpha\.tif: .*grayscale image with an alpha channel/);
  } finally {
    cleanup();
  }
});

const READ_BACK = String.raw`
import json, sys, hashlib, numpy as np, tifffile
out = {}
for path in sys.argv[1:]:
    with tifffile.TiffFile(path) as t:
        s = t.series[0]
        a = s.asarray()
        r = dict(axes=s.axes, shape=list(a.shape), dtype=str(a.dtype), bigtiff=t.is_bigtiff,
                 imagej=t.is_imagej, ome=t.is_ome,
                 sha=hashlib.sha256(np.ascontiguousarray(a, dtype='<f4').tobytes()).hexdigest())
        if t.is_imagej:
            m = t.imagej_metadata
            r['ij'] = {k: m.get(k) for k in ('images', 'slices', 'spacing', 'unit', 'n2s.description', 'n2s.software', 'n2s.channel', 'Info', 'Labels')}
            xr = t.pages[0].tags['XResolution'].value
            r['xres'] = xr[0] / xr[1]
        if t.is_ome:
            px = tifffile.xml2dict(t.ome_metadata)['OME']['Image']['Pixels']
            r['omePixels'] = {k: px.get(k) for k in ('DimensionOrder', 'SizeZ', 'PhysicalSizeX', 'PhysicalSizeZ', 'PhysicalSizeXUnit', 'Type')}
        out[path.split('/')[-1]] = r
print(json.dumps(out))
`;

const Back = z.record(z.string(), z.object({
  axes: z.string(),
  shape: z.array(z.number()),
  dtype: z.string(),
  bigtiff: z.boolean(),
  imagej: z.boolean(),
  ome: z.boolean(),
  sha: z.string(),
  ij: z.record(z.string(), z.unknown()).optional(),
  xres: z.number().optional(),
  omePixels: z.record(z.string(), z.unknown()).optional(),
}));

test('stacks we write are read correctly by tifffile (ImageJ metadata, OME axes, BigTIFF)', { skip }, async () => {
  const { dir, cleanup } = tempDir('tifffile-out');
  try {
    const voxel = { z: 1.25, y: 0.4, x: 0.4, unit: 'micron' };
    const mk = (depth: number, dtype: DType, f: (i: number) => number) => {
      const s = makeStack(depth, 10, 14, undefined, { name: 'src', dtype, voxelSize: voxel, channelName: 'DAPI' });
      for (let i = 0; i < s.data.length; i++) s.data[i] = f(i);
      return s;
    };
    const u16 = mk(7, 'uint16', (i) => (i * 7919) % 65536);
    const f32 = mk(5, 'float32', (i) => Math.sin(i) * 1e3);
    const u8 = mk(1, 'uint8', (i) => i % 256);
    const files = {
      'ij_u16.tif': await writeStack(join(dir, 'ij_u16.tif'), u16, { description: 'n2s denoise epochs=10' }),
      'ij_u8.tif': await writeStack(join(dir, 'ij_u8.tif'), u8, {}),
      'ome_f32.ome.tif': await writeStack(join(dir, 'ome_f32.ome.tif'), f32, {}),
      'big_u16.tif': await writeStack(join(dir, 'big_u16.tif'), u16, { bigTiffThreshold: 0 }),
    };
    assert.equal(files['big_u16.tif'].bigTiff, true);
    assert.equal(files['ij_u16.tif'].bigTiff, false);
    const back = Back.parse(runPython(READ_BACK, Object.keys(files).map((f) => join(dir, f))));

    const ij = back['ij_u16.tif'];
    assert.equal(ij.imagej, true);
    assert.equal(ij.axes, 'ZYX');
    assert.equal(ij.dtype, 'uint16');
    assert.deepEqual(ij.shape, [7, 10, 14]);
    assert.equal(ij.sha, f32sha(u16.data));
    assert.equal(ij.ij?.images, 7);
    assert.equal(ij.ij?.slices, 7);
    assert.equal(ij.ij?.spacing, 1.25);
    assert.equal(ij.ij?.unit, 'micron');
    assert.equal(ij.ij?.['n2s.software'], 'Noise2Stack Studio');
    assert.ok(Math.abs((ij.xres ?? 0) - 2.5) < 1e-12, `XResolution ${ij.xres}`);
    assert.equal(ij.ij?.['n2s.channel'], 'DAPI');
    // ImageJ's own metadata tags, as Fiji shows them (Image › Show Info, slice labels).
    assert.equal(ij.ij?.Info, 'Software: Noise2Stack Studio\nDescription: n2s denoise epochs=10');
    assert.deepEqual(ij.ij?.Labels, Array(7).fill('DAPI'));

    const one = back['ij_u8.tif'];
    assert.equal(one.dtype, 'uint8');
    assert.equal(one.sha, f32sha(u8.data));
    assert.equal(one.ij?.images, 1);

    const ome = back['ome_f32.ome.tif'];
    assert.equal(ome.ome, true);
    assert.equal(ome.axes, 'ZYX');
    assert.equal(ome.dtype, 'float32');
    assert.equal(ome.sha, f32sha(f32.data));
    assert.equal(ome.omePixels?.DimensionOrder, 'XYZCT');
    assert.equal(ome.omePixels?.SizeZ, 5);
    assert.equal(ome.omePixels?.PhysicalSizeX, 0.4);
    assert.equal(ome.omePixels?.PhysicalSizeZ, 1.25);
    assert.equal(ome.omePixels?.PhysicalSizeXUnit, 'µm');
    assert.equal(ome.omePixels?.Type, 'float');

    const big = back['big_u16.tif'];
    assert.equal(big.bigtiff, true);
    assert.equal(big.sha, f32sha(u16.data));
    assert.equal(big.ij?.slices, 7);
  } finally {
    cleanup();
  }
});
