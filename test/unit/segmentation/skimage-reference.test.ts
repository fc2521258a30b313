/**
 * Checks the building blocks against scikit-image / scipy (independent implementations) through
 * Debian's /usr/bin/python3. Skipped, with a message, where that interpreter or skimage is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pythonHas } from '../../helpers/python.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../../shared/random.ts';
import { distanceTransform, gaussianBlur, liThreshold, otsuThreshold, triangleThreshold, fillHoles, labelComponents, hMaximaSeeds, seededWatershed } from '../../../shared/segmentation/index.ts';

const PY = '/usr/bin/python3';
const hasSkimage = pythonHas('skimage', 'scipy');

/** A bimodal, skewed test image: dark noisy background with a few bright blobs. */
function testImage(h: number, w: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const img = new Float32Array(h * w);
  const blobs = Array.from({ length: 6 }, () => ({ x: rng.next() * w, y: rng.next() * h, r: 4 + 6 * rng.next() }));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 10 + 3 * rng.normal();
      for (const b of blobs) if ((x - b.x) ** 2 + (y - b.y) ** 2 < b.r * b.r) v += 40 + 5 * rng.normal();
      img[y * w + x] = v;
    }
  }
  return img;
}

test('thresholds, Gaussian, distance transform, hole filling and labels match scikit-image/scipy', { skip: hasSkimage ? false : 'no scikit-image in /usr/bin/python3' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-seg-ref-'));
  try {
    const [d, h, w] = [3, 40, 56];
    const img = new Float32Array(d * h * w);
    for (let z = 0; z < d; z++) img.set(testImage(h, w, 11 + z), z * h * w);
    // An anisotropic 3-D mask with a hole and touching blobs for EDT / fill / label.
    const mask = new Uint8Array(d * h * w);
    for (let i = 0; i < mask.length; i++) mask[i] = img[i]! > 30 ? 1 : 0;
    mask[1 * h * w + 20 * w + 20] = 1;
    writeFileSync(join(dir, 'img.f32'), Buffer.from(img.buffer));
    writeFileSync(join(dir, 'mask.u8'), Buffer.from(mask.buffer));
    const py = `
import numpy as np, json, sys
from skimage import filters, measure
from scipy import ndimage as ndi
d,h,w = ${d},${h},${w}
img = np.fromfile(sys.argv[1]+'/img.f32', dtype=np.float32).reshape(d,h,w)
mask = np.fromfile(sys.argv[1]+'/mask.u8', dtype=np.uint8).reshape(d,h,w).astype(bool)
p = img[0].astype(np.float64)
out = dict(otsu=float(filters.threshold_otsu(p)), li=float(filters.threshold_li(p)), tri=float(filters.threshold_triangle(p)))
g = ndi.gaussian_filter(img.astype(np.float64), sigma=(0.7, 1.5, 1.5), mode='nearest', truncate=4.0)
g.astype(np.float32).tofile(sys.argv[1]+'/g.f32')
ndi.distance_transform_edt(mask, sampling=(2.5, 1, 1)).astype(np.float32).tofile(sys.argv[1]+'/edt.f32')
fh = np.stack([ndi.binary_fill_holes(mask[z]) for z in range(d)])
fh.astype(np.uint8).tofile(sys.argv[1]+'/fill.u8')
out['ncomp26'] = int(measure.label(mask, connectivity=3).max())
out['ncomp6'] = int(measure.label(mask, connectivity=1).max())
print(json.dumps(out))
`;
    const r = spawnSync(PY, ['-c', py, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as { otsu: number; li: number; tri: number; ncomp26: number; ncomp6: number };
    const p0 = img.subarray(0, h * w);
    // Float32 input vs float64 in numpy: agreement to ~1e-4 of the intensity range (≈ 80).
    assert.ok(Math.abs(otsuThreshold(p0) - ref.otsu) < 1e-3, `otsu ${otsuThreshold(p0)} vs ${ref.otsu}`);
    assert.ok(Math.abs(liThreshold(p0) - ref.li) < 1e-3, `li ${liThreshold(p0)} vs ${ref.li}`);
    assert.ok(Math.abs(triangleThreshold(p0) - ref.tri) < 1e-3, `triangle ${triangleThreshold(p0)} vs ${ref.tri}`);

    const s = { depth: d, height: h, width: w };
    const gRef = new Float32Array(readFileSync(join(dir, 'g.f32')).buffer.slice(0));
    const g = gaussianBlur(img, s, { z: 0.7, y: 1.5, x: 1.5 });
    let maxErr = 0;
    for (let i = 0; i < g.length; i++) maxErr = Math.max(maxErr, Math.abs(g[i]! - gRef[i]!));
    assert.ok(maxErr < 1e-3, `gaussian max error ${maxErr}`);

    const eRef = new Float32Array(readFileSync(join(dir, 'edt.f32')).buffer.slice(0));
    const e = distanceTransform(mask, s, { z: 2.5, y: 1, x: 1 });
    maxErr = 0;
    for (let i = 0; i < e.length; i++) maxErr = Math.max(maxErr, Math.abs(e[i]! - eRef[i]!));
    assert.ok(maxErr < 1e-4, `EDT max error ${maxErr}`);

    const fRef = new Uint8Array(readFileSync(join(dir, 'fill.u8')));
    const f = new Uint8Array(d * h * w);
    for (let z = 0; z < d; z++) f.set(fillHoles(mask.subarray(z * h * w, (z + 1) * h * w), { depth: 1, height: h, width: w }), z * h * w);
    assert.deepEqual(f, fRef);
    assert.equal(labelComponents(mask, s, 'full').count, ref.ncomp26);
    assert.equal(labelComponents(mask, s, 1).count, ref.ncomp6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The 3-D path on an anisotropic volume (issue 17): touching ellipsoids on planes 2 µm apart with
 * 0.65 µm pixels. 3-D labels (26- and 6-connectivity) must equal skimage.measure.label voxel for
 * voxel, the EDT with sampling scipy's, and the seeded watershed on −EDT (our h-maxima seeds as
 * markers, face connectivity, inside the mask) skimage.segmentation.watershed.
 */
test('3-D labels, anisotropic EDT and seeded watershed match scikit-image/scipy', { skip: hasSkimage ? false : 'no scikit-image in /usr/bin/python3' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-seg-ref3d-'));
  try {
    const [d, h, w] = [12, 48, 64];
    const sampling = { z: 2 / 0.65, y: 1, x: 1 };
    const rng = createRng(5);
    const blobs: { z: number; y: number; x: number; r: number }[] = [];
    for (let i = 0; i < 7; i++) blobs.push({ z: 3 + 6 * rng.next(), y: 8 + 32 * rng.next(), x: 8 + 48 * rng.next(), r: 6 + 4 * rng.next() });
    // A touching pair: the second centre 1.6 radii from the first, in the plane.
    blobs.push({ z: 6, y: 24, x: 20, r: 8 }, { z: 6, y: 24, x: 33, r: 8 });
    const mask = new Uint8Array(d * h * w);
    for (let z = 0; z < d; z++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const inside = blobs.some((b) => ((z - b.z) * sampling.z) ** 2 + (y - b.y) ** 2 + (x - b.x) ** 2 < b.r * b.r);
          if (inside) mask[z * h * w + y * w + x] = 1;
        }
      }
    }
    const s = { depth: d, height: h, width: w };
    const dist = distanceTransform(mask, s, sampling);
    const { markers, count: nSeeds } = hMaximaSeeds(dist, mask, s, 1);
    const elevation = new Float32Array(dist.length);
    for (let i = 0; i < dist.length; i++) elevation[i] = -dist[i]!;
    const ws = seededWatershed(elevation, markers, mask, s);
    writeFileSync(join(dir, 'mask.u8'), Buffer.from(mask.buffer));
    writeFileSync(join(dir, 'markers.u32'), Buffer.from(markers.buffer));
    writeFileSync(join(dir, 'elev.f32'), Buffer.from(elevation.buffer));
    const py = `
import numpy as np, sys
from skimage import measure, segmentation
from scipy import ndimage as ndi
d,h,w = ${d},${h},${w}
mask = np.fromfile(sys.argv[1]+'/mask.u8', dtype=np.uint8).reshape(d,h,w).astype(bool)
markers = np.fromfile(sys.argv[1]+'/markers.u32', dtype=np.uint32).reshape(d,h,w).astype(np.int32)
elev = np.fromfile(sys.argv[1]+'/elev.f32', dtype=np.float32).reshape(d,h,w)
measure.label(mask, connectivity=3).astype(np.uint32).tofile(sys.argv[1]+'/l26.u32')
measure.label(mask, connectivity=1).astype(np.uint32).tofile(sys.argv[1]+'/l6.u32')
ndi.distance_transform_edt(mask, sampling=(${sampling.z}, 1, 1)).astype(np.float32).tofile(sys.argv[1]+'/edt.f32')
segmentation.watershed(elev, markers, mask=mask, connectivity=1).astype(np.uint32).tofile(sys.argv[1]+'/ws.u32')
`;
    const r = spawnSync(PY, ['-c', py, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const u32 = (f: string) => new Uint32Array(readFileSync(join(dir, f)).buffer.slice(0));
    assert.deepEqual(labelComponents(mask, s, 'full').labels, u32('l26.u32'));
    assert.deepEqual(labelComponents(mask, s, 1).labels, u32('l6.u32'));
    const eRef = new Float32Array(readFileSync(join(dir, 'edt.f32')).buffer.slice(0));
    let maxErr = 0;
    for (let i = 0; i < dist.length; i++) maxErr = Math.max(maxErr, Math.abs(dist[i]! - eRef[i]!));
    assert.ok(maxErr < 1e-4, `EDT max error ${maxErr}`);
    // The pair is split: more seeds than 26-connected components.
    assert.ok(nSeeds > labelComponents(mask, s, 'full').count, `${nSeeds} seeds`);
    const wsRef = u32('ws.u32');
    let differ = 0;
    for (let i = 0; i < ws.length; i++) if (ws[i] !== wsRef[i]) differ++;
    assert.equal(differ, 0, `${differ} of ${ws.length} voxels differ from skimage's watershed`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
