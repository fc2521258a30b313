/**
 * Whole hyperstacks against independent readers and writers (tifffile, python-zarr): files they
 * write are read by us with identical values, axes, channel names/colours/ranges, voxel size and
 * time step, and files we write are read by them identically. Tiny stacks (2×2×3×5×6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readHyperstack, writeHyperstack } from '../../../main/io/hyperstack.ts';
import { lutColor, type Hyperstack, type HyperstackMeta } from '../../../shared/hyperstack.ts';
import { pythonHas, runPython, tempDir } from '../io/helpers.ts';

const skip = pythonHas('numpy', 'tifffile', 'zarr') ? false : 'needs /usr/bin/python3 with numpy, tifffile and zarr';

/** Python side: writes the reference files, or reads ours back; prints one JSON object. */
const PY = String.raw`
import json, sys, hashlib, numpy as np, tifffile, zarr
mode, d = sys.argv[1], sys.argv[2]

def tczyx(a, axes):
    for ax in 'TCZYX':
        if ax not in axes:
            a = a[np.newaxis]; axes = ax + axes
    return np.ascontiguousarray(np.transpose(a, [axes.index(ax) for ax in 'TCZYX']))

def sha(a): return hashlib.sha256(np.ascontiguousarray(a, dtype='<f4').tobytes()).hexdigest()

def lut(rgb):
    l = np.zeros((3, 256), np.uint8)
    for k in range(3): l[k] = np.round(np.arange(256) * rgb[k] / 255)
    return l

out = {}
if mode == 'write':
    rng = np.random.default_rng(18)
    # ImageJ TZCYX uint16: labels, ranges, LUTs (green, magenta), 0.5 um pixels, 2 um spacing, 2.5 min frames.
    a = rng.integers(0, 4000, (2, 3, 2, 5, 6), dtype=np.uint16)
    tifffile.imwrite(f'{d}/ij.tif', a, imagej=True, resolution=(2.0, 2.0), metadata={
        'axes': 'TZCYX', 'Labels': ['nuclei', 'membranes'] * 6, 'Ranges': [(10.0, 3000.0), (20.0, 3500.0)],
        'LUTs': [lut((0, 255, 0)), lut((255, 0, 255))], 'spacing': 2.0, 'unit': 'um', 'finterval': 2.5, 'tunit': 'min'})
    out['ij'] = dict(sha=sha(tczyx(a, 'TZCYX')), shape=[2, 2, 3, 5, 6])
    # OME-TIFF XYZCT (tifffile axes TCZYX), float32.
    b = rng.standard_normal((2, 2, 3, 5, 6)).astype(np.float32) * 100
    tifffile.imwrite(f'{d}/xyzct.ome.tif', b, ome=True, photometric='minisblack', metadata={'axes': 'TCZYX',
        'Channel': {'Name': ['DAPI', 'GFP'], 'Color': [-16776961, 16711935]}, 'PhysicalSizeX': 0.25, 'PhysicalSizeXUnit': 'µm',
        'PhysicalSizeY': 0.25, 'PhysicalSizeYUnit': 'µm', 'PhysicalSizeZ': 1.5, 'PhysicalSizeZUnit': 'µm', 'TimeIncrement': 30.0, 'TimeIncrementUnit': 's'})
    out['xyzct'] = dict(sha=sha(tczyx(b, 'TCZYX')))
    # OME-TIFF XYCZT (tifffile axes TZCYX), uint8.
    c = rng.integers(0, 255, (2, 3, 2, 5, 6), dtype=np.uint8)
    tifffile.imwrite(f'{d}/xyczt.ome.tif', c, ome=True, photometric='minisblack', metadata={'axes': 'TZCYX',
        'Channel': {'Name': ['mito', 'actin'], 'Color': [16711935, -65281]}, 'PhysicalSizeX': 0.1, 'PhysicalSizeXUnit': 'µm',
        'PhysicalSizeY': 0.1, 'PhysicalSizeYUnit': 'µm', 'PhysicalSizeZ': 0.3, 'PhysicalSizeZUnit': 'µm', 'TimeIncrement': 250.0, 'TimeIncrementUnit': 'ms'})
    out['xyczt'] = dict(sha=sha(tczyx(c, 'TZCYX')))
    # OME-Zarr tczyx (NGFF 0.4) with omero channels, written by python-zarr.
    e = rng.integers(0, 60000, (2, 2, 3, 5, 6), dtype=np.uint16)
    g = zarr.open_group(f'{d}/img.zarr', mode='w')
    g.create_dataset('0', data=e, chunks=(1, 1, 3, 5, 6))
    g.attrs['multiscales'] = [{'version': '0.4', 'name': 'img', 'axes': [
        {'name': 't', 'type': 'time', 'unit': 'second'}, {'name': 'c', 'type': 'channel'},
        {'name': 'z', 'type': 'space', 'unit': 'micrometer'}, {'name': 'y', 'type': 'space', 'unit': 'micrometer'}, {'name': 'x', 'type': 'space', 'unit': 'micrometer'}],
        'datasets': [{'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [5.0, 1.0, 2.0, 0.5, 0.5]}]}]}]
    g.attrs['omero'] = {'channels': [{'label': 'nuclei', 'color': '00FF00', 'window': {'start': 100, 'end': 50000, 'min': 0, 'max': 65535}},
                                     {'label': 'membranes', 'color': 'FF00FF', 'window': {'start': 0, 'end': 40000, 'min': 0, 'max': 65535}}]}
    out['zarr'] = dict(sha=sha(e))
else:
    for name in ['ij.tif', 'xyzct.ome.tif', 'xyczt.ome.tif']:
        with tifffile.TiffFile(f'{d}/{name}') as tif:
            s = tif.series[0]
            r = dict(axes=s.axes, shape=list(s.shape), dtype=str(s.dtype), sha=sha(tczyx(s.asarray(), s.axes)))
            xr = tif.pages[0].tags['XResolution'].value
            r['xres'] = xr[0] / xr[1]
            r['resunit'] = int(tif.pages[0].tags['ResolutionUnit'].value)
            if tif.is_imagej:
                m = tif.imagej_metadata
                r['labels'] = m.get('Labels'); r['ranges'] = list(np.ravel(m.get('Ranges', [])))
                r['luts'] = [[int(l[0][255]), int(l[1][255]), int(l[2][255])] for l in m.get('LUTs', [])]
                r['spacing'] = m.get('spacing'); r['unit'] = m.get('unit'); r['finterval'] = m.get('finterval'); r['tunit'] = m.get('tunit')
            else:
                p = tifffile.xml2dict(tif.ome_metadata)['OME']['Image']['Pixels']
                ch = p['Channel'] if isinstance(p['Channel'], list) else [p['Channel']]
                r['order'] = p['DimensionOrder']; r['names'] = [c.get('Name') for c in ch]; r['colors'] = [c.get('Color') for c in ch]
                r['phys'] = [p.get('PhysicalSizeZ'), p.get('PhysicalSizeY'), p.get('PhysicalSizeX'), p.get('PhysicalSizeXUnit')]
                r['time'] = [p.get('TimeIncrement'), p.get('TimeIncrementUnit')]
        out[name] = r
    g = zarr.open_group(f'{d}/out.zarr', mode='r')
    ms = g.attrs['multiscales'][0]
    a = g[ms['datasets'][0]['path']]
    out['out.zarr'] = dict(dtype=str(a.dtype), shape=list(a.shape), sha=sha(a[:]), axes=[(x['name'], x.get('type'), x.get('unit')) for x in ms['axes']],
        scale=ms['datasets'][0]['coordinateTransformations'][0]['scale'], omero=g.attrs['omero']['channels'], version=ms['version'])
print(json.dumps(out))
`;

interface Expect { sha: string }

function sha(a: Float32Array): string {
  return createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

const near = (a: number | undefined, b: number) => a !== undefined && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

test('hyperstacks written by tifffile and python-zarr are read whole: values, axes, channels, voxel size, time step', { skip }, async () => {
  const { dir, cleanup } = tempDir('hyper-in');
  try {
    const ref = runPython(PY, ['write', dir]) as Record<string, Expect>;

    const ij = await readHyperstack(join(dir, 'ij.tif'));
    const m = ij.meta;
    assert.deepEqual([m.times, m.channels, m.depth, m.height, m.width], [2, 2, 3, 5, 6]);
    assert.equal(m.axes, 'TZCYX');
    assert.equal(m.order, 'TZC');
    assert.equal(m.dtype, 'uint16');
    assert.equal(sha(ij.data), ref.ij.sha);
    assert.deepEqual(m.channelMeta.map((c) => c.name), ['nuclei', 'membranes']);
    assert.deepEqual(m.channelMeta.map((c) => c.color), ['00FF00', 'FF00FF']);
    assert.deepEqual(m.channelMeta.map((c) => c.display), [{ min: 10, max: 3000 }, { min: 20, max: 3500 }]);
    assert.equal(m.channelMeta[1].lut?.length, 768);
    assert.deepEqual(m.voxelSize, { z: 2, y: 0.5, x: 0.5, unit: 'micron' });
    assert.deepEqual(m.timeIncrement, { value: 2.5, unit: 'min' });

    const a = await readHyperstack(join(dir, 'xyzct.ome.tif'));
    assert.equal(a.meta.axes, 'TCZYX');
    assert.equal(a.meta.order, 'TCZ');
    assert.equal(a.meta.dtype, 'float32');
    assert.equal(sha(a.data), ref.xyzct.sha);
    assert.deepEqual(a.meta.channelMeta.map((c) => [c.name, c.color]), [['DAPI', 'FF0000'], ['GFP', '00FF00']]);
    assert.deepEqual(a.meta.voxelSize, { z: 1.5, y: 0.25, x: 0.25, unit: 'micron' });
    assert.deepEqual(a.meta.timeIncrement, { value: 30, unit: 's' });

    const b = await readHyperstack(join(dir, 'xyczt.ome.tif'));
    assert.equal(b.meta.axes, 'TZCYX');
    assert.equal(b.meta.order, 'TZC');
    assert.equal(b.meta.dtype, 'uint8');
    assert.equal(sha(b.data), ref.xyczt.sha);
    assert.deepEqual(b.meta.channelMeta.map((c) => [c.name, c.color]), [['mito', '00FF00'], ['actin', 'FFFF00']]);
    assert.deepEqual(b.meta.timeIncrement, { value: 250, unit: 'ms' });

    const zr = await readHyperstack(join(dir, 'img.zarr'));
    assert.equal(zr.meta.axes, 'TCZYX');
    assert.equal(zr.meta.dtype, 'uint16');
    assert.equal(sha(zr.data), ref.zarr.sha);
    assert.deepEqual(zr.meta.channelMeta.map((c) => [c.name, c.color, c.display]), [['nuclei', '00FF00', { min: 100, max: 50000 }], ['membranes', 'FF00FF', { min: 0, max: 40000 }]]);
    assert.deepEqual(zr.meta.voxelSize, { z: 2, y: 0.5, x: 0.5, unit: 'micron' });
    assert.deepEqual(zr.meta.timeIncrement, { value: 5, unit: 's' });
  } finally {
    cleanup();
  }
});

function synthetic(): Hyperstack {
  const meta: HyperstackMeta = {
    name: 'cells', dtype: 'uint16', flavour: 'synthetic', times: 2, channels: 2, depth: 3, height: 5, width: 6,
    order: 'TZC', axes: 'TZCYX', voxelSize: { z: 2, y: 0.5, x: 0.5, unit: 'micron' }, timeIncrement: { value: 2.5, unit: 'min' },
    channelMeta: [{ name: 'nuclei', color: '00FF00', display: { min: 10, max: 3000 } }, { name: 'membranes', color: 'FF00FF', display: { min: 20, max: 3500 } }],
  };
  const data = new Float32Array(2 * 2 * 3 * 5 * 6);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 4001;
  return { meta, data };
}

test('hyperstacks we write are read by tifffile and python-zarr identically (ImageJ TZCYX, OME XYZCT and XYCZT, OME-Zarr tczyx)', { skip }, async () => {
  const { dir, cleanup } = tempDir('hyper-out');
  try {
    const h = synthetic();
    await writeHyperstack(join(dir, 'ij.tif'), h);
    await writeHyperstack(join(dir, 'xyzct.ome.tif'), h, { dimensionOrder: 'XYZCT' });
    await writeHyperstack(join(dir, 'xyczt.ome.tif'), h, { dimensionOrder: 'XYCZT' });
    await writeHyperstack(join(dir, 'out.zarr'), h);
    const py = runPython(PY, ['read', dir]) as Record<string, Record<string, unknown>>;
    const want = sha(h.data);

    const ij = py['ij.tif'];
    assert.equal(ij.axes, 'TZCYX');
    assert.deepEqual(ij.shape, [2, 3, 2, 5, 6]);
    assert.equal(ij.dtype, 'uint16');
    assert.equal(ij.sha, want);
    assert.deepEqual(ij.labels, Array.from({ length: 12 }, (_, k) => (k % 2 ? 'membranes' : 'nuclei')));
    assert.deepEqual(ij.ranges, [10, 3000, 20, 3500]);
    assert.deepEqual(ij.luts, [[0, 255, 0], [255, 0, 255]]);
    assert.equal(ij.spacing, 2);
    assert.equal(ij.unit, 'micron');
    assert.ok(near(ij.xres as number, 2));
    assert.equal(ij.finterval, 2.5);
    assert.equal(ij.tunit, 'min');

    for (const [name, order, axes] of [['xyzct.ome.tif', 'XYZCT', 'TCZYX'], ['xyczt.ome.tif', 'XYCZT', 'TZCYX']] as const) {
      const o = py[name];
      assert.equal(o.order, order, name);
      assert.equal(o.axes, axes, name);
      assert.equal(o.sha, want, name);
      assert.deepEqual(o.names, ['nuclei', 'membranes']);
      // OME Color is RGBA as a signed 32-bit integer: green 0x00FF00FF, magenta 0xFF00FFFF.
      assert.deepEqual(o.colors, [0x00ff00ff, 0xff00ffff | 0]);
      assert.deepEqual(o.phys, [2, 0.5, 0.5, 'µm']);
      assert.deepEqual(o.time, [2.5, 'min']);
      assert.equal(o.resunit, 3);
      assert.ok(near(o.xres as number, 20000), `${name}: 0.5 µm = 20000 pixels per cm`);
    }

    const z = py['out.zarr'];
    assert.equal(z.version, '0.4');
    assert.equal(z.dtype, 'uint16');
    assert.deepEqual(z.shape, [2, 2, 3, 5, 6]);
    assert.equal(z.sha, want);
    assert.deepEqual(z.axes, [['t', 'time', 'minute'], ['c', 'channel', null], ['z', 'space', 'micrometer'], ['y', 'space', 'micrometer'], ['x', 'space', 'micrometer']]);
    assert.deepEqual(z.scale, [2.5, 1, 2, 0.5, 0.5]);
    const om = z.omero as { label: string; color: string; window: { start: number; end: number } }[];
    assert.deepEqual(om.map((c) => [c.label, c.color, c.window.start, c.window.end]), [['nuclei', '00FF00', 10, 3000], ['membranes', 'FF00FF', 20, 3500]]);

    // And back: each of our files reads as the hyperstack we wrote (ImageJ's colours come from its LUTs).
    for (const name of ['ij.tif', 'xyzct.ome.tif', 'xyczt.ome.tif', 'out.zarr']) {
      const back = await readHyperstack(join(dir, name));
      assert.equal(sha(back.data), want, name);
      assert.deepEqual(back.meta.channelMeta.map((c) => c.name), ['nuclei', 'membranes'], name);
      assert.deepEqual(back.meta.channelMeta.map((c) => c.color ?? (c.lut && lutColor(c.lut))), ['00FF00', 'FF00FF'], name);
      assert.deepEqual(back.meta.voxelSize, h.meta.voxelSize, name);
      assert.deepEqual(back.meta.timeIncrement, h.meta.timeIncrement, name);
    }
  } finally {
    cleanup();
  }
});
