import { MinHeap } from './heap.ts';
import { forEachNeighbour, neighbourhood, voxelCount, type Connectivity, type Shape3 } from './grid.ts';

/**
 * Seeds for splitting touching nuclei: the h-maxima of a height map (here the distance
 * transform), i.e. regional maxima whose dynamic — how far one must descend before reaching a
 * higher peak — is at least h. Computed by flooding from the top with a union-find (the max-tree
 * view of Vincent's h-maxima): when two regions meet at level v, the one with the lower peak
 * survives as a seed only if peak − v ≥ h; each region's highest peak is always a seed.
 * Returns a marker image: one voxel per seed, labelled 1..n.
 */
export function hMaximaSeeds(height: Float32Array, mask: ArrayLike<number>, s: Shape3, h: number): { markers: Uint32Array; count: number } {
  const n = voxelCount(s);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (mask[i]) idx.push(i);
  // Descending height, raster order among equals, so the result does not depend on sort stability.
  idx.sort((a, b) => height[b]! - height[a]! || a - b);
  const parent = new Int32Array(n).fill(-1);
  const peak = new Int32Array(n);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[i] !== r) {
      const next = parent[i]!;
      parent[i] = r;
      i = next;
    }
    return r;
  };
  const isSeed = new Uint8Array(n);
  const nb = neighbourhood(s, 'full');
  for (const p of idx) {
    parent[p] = p;
    peak[p] = p;
    const level = height[p]!;
    forEachNeighbour(s, nb, p, (q) => {
      if (parent[q] === -1) return;
      const rp = find(p);
      const rq = find(q);
      if (rp === rq) return;
      const pp = peak[rp]!;
      const pq = peak[rq]!;
      // The region whose peak is lower (later in the sort order on ties) is absorbed.
      const pBeatsQ = height[pp]! > height[pq]! || (height[pp]! === height[pq]! && pp < pq);
      const [winner, loser] = pBeatsQ ? [rp, rq] : [rq, rp];
      const loserPeak = peak[loser]!;
      if (height[loserPeak]! - level >= h) isSeed[loserPeak] = 1;
      parent[loser] = winner;
    });
  }
  for (const p of idx) if (find(p) === p) isSeed[peak[p]!] = 1;
  const markers = new Uint32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) if (isSeed[i]) markers[i] = ++count;
  return { markers, count };
}

/**
 * Seeded watershed (Meyer's flooding, as skimage.segmentation.watershed without lines): markers
 * grow over `elevation` in increasing order inside the mask; each voxel takes the label of the
 * neighbour that reached it first. Voxels not connected to any marker stay 0.
 */
export function seededWatershed(elevation: Float32Array, markers: Uint32Array, mask: ArrayLike<number>, s: Shape3, connectivity: Connectivity = 1): Uint32Array {
  const n = voxelCount(s);
  const labels = markers.slice();
  const heap = new MinHeap(Math.max(16, n >> 4));
  for (let i = 0; i < n; i++) if (labels[i]) heap.push(elevation[i]!, i);
  const nb = neighbourhood(s, connectivity);
  for (let p = heap.pop(); p !== undefined; p = heap.pop()) {
    const l = labels[p]!;
    forEachNeighbour(s, nb, p, (q) => {
      if (!mask[q] || labels[q]) return;
      labels[q] = l;
      heap.push(elevation[q]!, q);
    });
  }
  return labels;
}

/**
 * Merges watershed fragments smaller than minSize into the neighbouring label they share the
 * longest border with (or drops them if isolated), so over-splitting does not create specks.
 */
export function mergeSmallFragments(labels: Uint32Array, s: Shape3, minSize: number): void {
  if (minSize <= 1) return;
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > max) max = labels[i]!;
  const sizes = new Uint32Array(max + 1);
  for (let i = 0; i < labels.length; i++) sizes[labels[i]!]!++;
  const contact = new Map<number, Map<number, number>>();
  const nb = neighbourhood(s, 1);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!l || sizes[l]! >= minSize) continue;
    forEachNeighbour(s, nb, i, (j) => {
      const m = labels[j]!;
      if (!m || m === l) return;
      let row = contact.get(l);
      if (!row) contact.set(l, (row = new Map()));
      row.set(m, (row.get(m) ?? 0) + 1);
    });
  }
  const target = new Uint32Array(max + 1);
  for (let l = 1; l <= max; l++) {
    target[l] = l;
    if (!sizes[l] || sizes[l]! >= minSize) continue;
    let best = 0;
    let bestCount = 0;
    for (const [m, c] of contact.get(l) ?? []) {
      if (c > bestCount || (c === bestCount && m < best)) {
        best = m;
        bestCount = c;
      }
    }
    target[l] = best;
  }
  // Follow chains (a small fragment merged into another small fragment) to their end.
  const resolve = (l: number): number => {
    let cur = l;
    for (let steps = 0; steps <= max && target[cur] !== cur && target[cur] !== 0; steps++) cur = target[cur]!;
    return target[cur] === 0 ? 0 : cur;
  };
  const final = new Uint32Array(max + 1);
  for (let l = 1; l <= max; l++) final[l] = resolve(l);
  for (let i = 0; i < labels.length; i++) labels[i] = final[labels[i]!]!;
}
