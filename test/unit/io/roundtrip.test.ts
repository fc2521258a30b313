import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmdirSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeStack, type DType, type Stack } from '../../../shared/stack.ts';
import { createRng } from '../../../shared/random.ts';
import { openStack, probeStack, readStack, writeStack, type StackSource } from '../../../main/io/index.ts';
import { tempDir } from './helpers.ts';

function randomStack(depth: number, dtype: DType, seed: number, voxel = { z: 1.7, y: 0.3, x: 0.3, unit: 'micron' }): Stack {
  const s = makeStack(depth, 6, 5, undefined, { name: 'src.tif', dtype, voxelSize: voxel, channelName: 'DAPI' });
  const rng = createRng(seed);
  const hi = dtype === 'uint8' ? 255 : dtype === 'uint16' ? 65535 : 0;
  for (let i = 0; i < s.data.length; i++) {
    s.data[i] = dtype === 'float32' ? (rng.next() - 0.5) * 1e4 : Math.floor(rng.next() * (hi + 1));
  }
  return s;
}

test('ImageJ and OME round trips keep values, dtype, axes, voxel size, channel name (uint8/uint16/float32, 1–50 planes)', async () => {
  const { dir, cleanup } = tempDir('roundtrip');
  try {
    let seed = 1;
    for (const format of ['imagej', 'ome'] as const) {
      for (const dtype of ['uint8', 'uint16', 'float32'] as const) {
        for (const depth of [1, 2, 50]) {
          const s = randomStack(depth, dtype, seed++);
          const path = join(dir, `${format}-${dtype}-${depth}${format === 'ome' ? '.ome' : ''}.tif`);
          const report = await writeStack(path, s, { description: 'model=m1 epochs=3', software: 'n2s-test 1.0' });
          assert.equal(report.dtype, dtype);
          assert.equal(report.clipped, 0);
          assert.equal(report.format, format);
          const back = await readStack(path);
          const what = `${format} ${dtype} ${depth}`;
          assert.deepEqual([back.depth, back.height, back.width], [depth, 6, 5], what);
          assert.deepEqual(back.data, s.data, `${what}: values`);
          assert.equal(back.meta.dtype, dtype, what);
          assert.equal(back.meta.flavour, format, what);
          assert.equal(back.meta.sourceAxes, 'ZYX', what);
          assert.deepEqual(back.meta.sourceShape, [depth, 6, 5], what);
          const v = back.meta.voxelSize;
          assert.equal(v.unit, 'micron', what);
          assert.ok(Math.abs(v.x - 0.3) < 1e-12 && Math.abs(v.y - 0.3) < 1e-12, `${what}: xy ${v.x}`);
          // A single plane has no spacing in ImageJ's description; it reads back as 1.
          if (depth > 1 || format === 'ome') assert.equal(v.z, 1.7, `${what}: z`);
          assert.equal(back.meta.channelName, 'DAPI', what);
          assert.equal(back.meta.description, 'model=m1 epochs=3', what);
          const info = await probeStack(path);
          assert.equal(info.details.software, 'n2s-test 1.0', what);
        }
      }
    }
  } finally {
    cleanup();
  }
});

test('NIfTI round trips (.nii and .nii.gz) keep values, dtype and voxel size', async () => {
  const { dir, cleanup } = tempDir('nifti-rt');
  try {
    for (const [dtype, name] of [['uint8', 'a.nii'], ['uint16', 'b.nii.gz'], ['float32', 'c.nii.gz']] as const) {
      const s = randomStack(4, dtype, 9, { z: 3, y: 2, x: 2, unit: 'mm' });
      await writeStack(join(dir, name), s);
      const back = await readStack(join(dir, name));
      assert.deepEqual(back.data, s.data, name);
      assert.equal(back.meta.dtype, dtype, name);
      assert.equal(back.meta.flavour, 'nifti');
      assert.deepEqual(back.meta.voxelSize, { z: 3, y: 2, x: 2, unit: 'mm' });
    }
  } finally {
    cleanup();
  }
});

test('dtype keep clips to the range with a counted note; float32 keeps everything', async () => {
  const { dir, cleanup } = tempDir('clip');
  try {
    const s = makeStack(1, 1, 5, Float32Array.from([-5, 300, NaN, 12.4, 254.6]), { name: 'p', dtype: 'uint8' });
    const r = await writeStack(join(dir, 'k.tif'), s, { dtype: 'keep' });
    assert.equal(r.dtype, 'uint8');
    assert.equal(r.clipped, 3);
    assert.match(r.notes.join(' '), /3 values outside the uint8 range 0–255 \(or NaN\) were clipped/);
    assert.deepEqual([...(await readStack(join(dir, 'k.tif'))).data], [0, 255, 0, 12, 255]);
    const s2 = makeStack(1, 1, 3, Float32Array.from([-5, 300.5, 7]), { name: 'p', dtype: 'uint8' });
    const f = await writeStack(join(dir, 'f.tif'), s2, { dtype: 'float32' });
    assert.equal(f.clipped, 0);
    const back = await readStack(join(dir, 'f.tif'));
    assert.deepEqual([...back.data], [-5, 300.5, 7]);
    assert.equal(back.meta.dtype, 'float32');
    // float64 sources cannot be kept in TIFF for ImageJ: float32 with a note.
    const s3 = makeStack(1, 1, 2, Float32Array.from([1, 2]), { name: 'p', dtype: 'float64' });
    const r3 = await writeStack(join(dir, 'd.tif'), s3);
    assert.equal(r3.dtype, 'float32');
    assert.match(r3.notes[0], /float64 .* wrote float32/);
  } finally {
    cleanup();
  }
});

test('writes are atomic, refuse existing files and never touch the input', async () => {
  const { dir, cleanup } = tempDir('atomic');
  try {
    const s = randomStack(3, 'uint16', 4);
    const out = join(dir, 'out.tif');
    await writeStack(out, s);
    const before = readFileSync(out);
    await assert.rejects(writeStack(out, s), /out\.tif: already exists; refusing to replace it \(pass --overwrite/);
    const back = await readStack(out);
    await assert.rejects(writeStack(out, back, { overwrite: true }), /out\.tif: is the input file; refusing to write over it/);
    assert.deepEqual(readFileSync(out), before);
    await writeStack(out, randomStack(3, 'uint16', 5), { overwrite: true });
    assert.notDeepEqual(readFileSync(out), before);

    // A source failing halfway: no output file and no temporary file left behind.
    const failing: StackSource = {
      depth: 5, height: 6, width: 5, meta: s.meta,
      readPlane: async (z) => {
        if (z === 3) throw new Error('disk on fire');
        return new Float32Array(30);
      },
      close: async () => {},
    };
    await assert.rejects(writeStack(join(dir, 'partial.tif'), failing), /disk on fire/);
    assert.deepEqual(readdirSync(dir).sort(), ['out.tif']);
    await assert.rejects(writeStack(join(dir, 'x.png'), s), /unknown output type/);
    await assert.rejects(writeStack(join(dir, 'nope', 'x.tif'), s), /output folder .* does not exist/);
    mkdirSync(join(dir, 'sub.tif'));
    await assert.rejects(writeStack(join(dir, 'sub.tif'), s, { overwrite: true }), /sub\.tif: is a folder/);
    rmdirSync(join(dir, 'sub.tif'));
  } finally {
    cleanup();
  }
});

test('BigTIFF is chosen above the threshold and reads back identically', async () => {
  const { dir, cleanup } = tempDir('bigtiff');
  try {
    const s = randomStack(4, 'float32', 11);
    for (const format of ['imagej', 'ome'] as const) {
      const path = join(dir, `b.${format}.tif`);
      const r = await writeStack(path, s, { format, bigTiffThreshold: 1000 });
      assert.equal(r.bigTiff, true);
      assert.match(r.notes.join(' '), /written as BigTIFF .* Bio-Formats/);
      assert.equal(readFileSync(path).readUInt16LE(2), 43, 'BigTIFF magic');
      const back = await readStack(path);
      assert.deepEqual(back.data, s.data);
      assert.equal((await probeStack(path)).details.bigTiff, true);
    }
    const small = await writeStack(join(dir, 'c.tif'), s);
    assert.equal(small.bigTiff, false);
  } finally {
    cleanup();
  }
});

test('NaN/Inf in a file is refused with the file and plane named; allowNonFinite reads it', async () => {
  const { dir, cleanup } = tempDir('nan');
  try {
    const s = makeStack(2, 2, 2, Float32Array.from([1, 2, 3, 4, 5, NaN, Infinity, 8]), { name: 'n', dtype: 'float32' });
    const p = join(dir, 'nan.tif');
    await writeStack(p, s);
    await assert.rejects(readStack(p), /nan\.tif: plane 1 contains 2 NaN\/Inf values/);
    const ok = await readStack(p, { allowNonFinite: true });
    assert.ok(Number.isNaN(ok.data[5]));
  } finally {
    cleanup();
  }
});

test('a folder of single-plane TIFFs reads as one stack in natural order, lazily', async () => {
  const { dir, cleanup } = tempDir('folder');
  try {
    for (const k of [10, 2, 1]) {
      await writeStack(join(dir, `img${k}.tif`), makeStack(1, 3, 4, new Float32Array(12).fill(k), { name: 'p', dtype: 'uint16' }));
    }
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const src = await openStack(dir);
    assert.equal(src.meta.flavour, 'folder');
    assert.equal(src.depth, 3);
    assert.deepEqual([(await src.readPlane(0))[0], (await src.readPlane(1))[0], (await src.readPlane(2))[0]], [1, 2, 10]);
    await src.close();
    const progress: number[] = [];
    const s = await readStack(dir, { onProgress: (d, t) => progress.push(d / t) });
    assert.deepEqual(progress, [1 / 3, 2 / 3, 1]);
    assert.equal(s.data[12 * 2], 10);
    assert.ok(statSync(dir).isDirectory());
  } finally {
    cleanup();
  }
});

test('.zarr paths dispatch to the OME-Zarr module (write, probe, read back)', async () => {
  const { dir, cleanup } = tempDir('zarr-dispatch');
  try {
    const s = randomStack(3, 'uint16', 21, { z: 2, y: 0.5, x: 0.5, unit: 'micron' });
    const path = join(dir, 'v.zarr');
    const r = await writeStack(path, s);
    assert.equal(r.format, 'zarr');
    const info = await probeStack(path);
    assert.equal(info.flavour, 'zarr');
    assert.deepEqual(info.shape.slice(-3), [3, 6, 5]);
    const back = await readStack(path);
    assert.deepEqual(back.data, s.data);
    assert.deepEqual(back.meta.voxelSize, s.meta.voxelSize);
    await assert.rejects(writeStack(path, s), /already exists/);
    // Integer Zarr output is rounded and clipped like TIFF output, with the same note.
    const wide = makeStack(1, 1, 4, Float32Array.from([-3, 70000, 12.6, 5]), { name: 'w', dtype: 'uint16' });
    const rw = await writeStack(join(dir, 'w.zarr'), wide);
    assert.equal(rw.clipped, 2);
    assert.deepEqual([...(await readStack(join(dir, 'w.zarr'))).data], [0, 65535, 13, 5]);
  } finally {
    cleanup();
  }
});

test('ImageJ files keep the planes back to back from the first strip offset (how ImageJ itself reads them)', async () => {
  const { dir, cleanup } = tempDir('ij-contiguous');
  try {
    const s = randomStack(4, 'uint16', 31);
    const path = join(dir, 'c.tif');
    await writeStack(path, s);
    const b = readFileSync(path);
    const first = b.readUInt32LE(4);
    const n = b.readUInt16LE(first);
    let stripOffset = -1;
    for (let i = 0; i < n; i++) if (b.readUInt16LE(first + 2 + 12 * i) === 273) stripOffset = b.readUInt32LE(first + 2 + 12 * i + 8);
    const planes = new Uint16Array(b.buffer.slice(b.byteOffset + stripOffset, b.byteOffset + stripOffset + s.data.length * 2));
    assert.deepEqual(Float32Array.from(planes), s.data);
  } finally {
    cleanup();
  }
});
