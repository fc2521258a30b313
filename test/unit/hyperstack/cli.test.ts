/**
 * `n2s synth microscopy --channels 2 --times 3`, `n2s info` and `n2s convert` on a whole
 * hyperstack: the synthetic time-lapse goes ImageJ → OME-TIFF (XYCZT) → OME-Zarr → ImageJ and
 * comes back with the same values, axes, channel names and colours, voxel size and time step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../main/cli/index.ts';
import { readHyperstack } from '../../../main/io/hyperstack.ts';
import { lutColor } from '../../../shared/hyperstack.ts';
import { pythonHas, runPython, tempDir } from '../io/helpers.ts';

async function n2s(...args: string[]): Promise<{ status: number; stdout: string }> {
  const out: string[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    return { status: await main(args), stdout: out.join('') };
  } finally {
    process.stdout.write = ow;
  }
}

test('synth → info → convert through OME-TIFF XYCZT and OME-Zarr keeps the whole hyperstack', async () => {
  const { dir, cleanup } = tempDir('hyper-cli');
  try {
    const s = await n2s('synth', 'microscopy', '--channels', '2', '--times', '3', '--depth', '4', '--height', '16', '--width', '16', '--seed', '5', '--out', dir);
    assert.equal(s.status, 0);
    const synth = JSON.parse(readFileSync(join(dir, 'synth.json'), 'utf8')) as { synthetic: boolean; axes: string; channels: string[] };
    assert.equal(synth.synthetic, true);
    assert.deepEqual(synth.channels, ['nuclei', 'membranes']);

    const info = await n2s('info', join(dir, 'low.tif'), '--json');
    const i = JSON.parse(info.stdout.trim().split('\n').pop() as string) as { axes: string; shape: number[]; hyperstack: { times: number; channels: number; depth: number; timeIncrement: unknown; channelMeta: { name: string; color: string }[] } };
    assert.equal(i.axes, 'TZCYX');
    assert.deepEqual(i.shape, [3, 4, 2, 16, 16]);
    assert.deepEqual([i.hyperstack.times, i.hyperstack.channels, i.hyperstack.depth], [3, 2, 4]);
    assert.deepEqual(i.hyperstack.timeIncrement, { value: 60, unit: 's' });
    assert.deepEqual(i.hyperstack.channelMeta.map((c) => [c.name, c.color]), [['nuclei', '00FFFF'], ['membranes', 'FF00FF']]);
    const text = await n2s('info', join(dir, 'low.tif'));
    assert.match(text.stdout, /hyperstack: T=3 C=2 Z=4/);
    assert.match(text.stdout, /channel 1: +membranes, #FF00FF/);

    assert.equal((await n2s('convert', join(dir, 'low.tif'), join(dir, 'a.ome.tif'), '--dimension-order', 'XYCZT')).status, 0);
    assert.equal((await n2s('convert', join(dir, 'a.ome.tif'), join(dir, 'b.zarr'))).status, 0);
    assert.equal((await n2s('convert', join(dir, 'b.zarr'), join(dir, 'c.tif'))).status, 0);
    const first = await readHyperstack(join(dir, 'low.tif'));
    const ome = await readHyperstack(join(dir, 'a.ome.tif'));
    assert.equal(ome.meta.order, 'TZC', 'XYCZT is T, Z, C slowest first');
    for (const name of ['a.ome.tif', 'b.zarr', 'c.tif']) {
      const h = await readHyperstack(join(dir, name));
      assert.deepEqual(h.data, first.data, name);
      assert.equal(h.meta.dtype, 'uint16', name);
      assert.deepEqual([h.meta.times, h.meta.channels, h.meta.depth, h.meta.height, h.meta.width], [3, 2, 4, 16, 16], name);
      assert.deepEqual(h.meta.channelMeta.map((c) => [c.name, c.color ?? (c.lut && lutColor(c.lut))]), [['nuclei', '00FFFF'], ['membranes', 'FF00FF']], name);
      assert.deepEqual(h.meta.voxelSize, first.meta.voxelSize, name);
      assert.deepEqual(h.meta.timeIncrement, { value: 60, unit: 's' }, name);
    }
    if (pythonHas('tifffile')) {
      const py = runPython(`import json, sys, tifffile; t = tifffile.TiffFile(sys.argv[1]); print(json.dumps([t.series[0].axes, list(t.series[0].shape)]))`, [join(dir, 'c.tif')]);
      assert.deepEqual(py, ['TZCYX', [3, 4, 2, 16, 16]]);
    }
  } finally {
    cleanup();
  }
});
