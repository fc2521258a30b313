/**
 * A ZYX grid shape and its neighbourhoods. Every algorithm in this folder works on a flat array
 * with a [depth, height, width] shape; a single plane is simply depth 1, so 2-D and 3-D share one
 * implementation.
 */
export interface Shape3 {
  depth: number;
  height: number;
  width: number;
}

/**
 * Connectivity as in scikit-image: 1 = face neighbours (4 in 2-D, 6 in 3-D), 'full' = every
 * neighbour in the 3×3(×3) block (8 in 2-D, 26 in 3-D).
 */
export type Connectivity = 1 | 'full';

export interface Neighbourhood {
  dz: Int32Array;
  dy: Int32Array;
  dx: Int32Array;
  /** Flat index offsets, valid only after the bounds check on (dz, dy, dx). */
  offset: Int32Array;
}

export function voxelCount(s: Shape3): number {
  return s.depth * s.height * s.width;
}

export function neighbourhood(s: Shape3, connectivity: Connectivity): Neighbourhood {
  const dz: number[] = [];
  const dy: number[] = [];
  const dx: number[] = [];
  const zr = s.depth > 1 ? 1 : 0;
  for (let z = -zr; z <= zr; z++) {
    for (let y = -1; y <= 1; y++) {
      for (let x = -1; x <= 1; x++) {
        if (z === 0 && y === 0 && x === 0) continue;
        if (connectivity === 1 && Math.abs(z) + Math.abs(y) + Math.abs(x) !== 1) continue;
        dz.push(z);
        dy.push(y);
        dx.push(x);
      }
    }
  }
  const plane = s.height * s.width;
  return {
    dz: Int32Array.from(dz),
    dy: Int32Array.from(dy),
    dx: Int32Array.from(dx),
    offset: Int32Array.from(dz.map((z, i) => z * plane + dy[i]! * s.width + dx[i]!)),
  };
}

/**
 * Calls visit(neighbourIndex) for each in-bounds neighbour of voxel i. Kept as a function with a
 * callback: clearer than inlining bounds checks in every algorithm, and fast enough (V8 inlines it).
 */
export function forEachNeighbour(s: Shape3, nb: Neighbourhood, i: number, visit: (j: number) => void): void {
  const plane = s.height * s.width;
  const z = Math.floor(i / plane);
  const r = i - z * plane;
  const y = Math.floor(r / s.width);
  const x = r - y * s.width;
  for (let k = 0; k < nb.offset.length; k++) {
    const zz = z + nb.dz[k]!;
    const yy = y + nb.dy[k]!;
    const xx = x + nb.dx[k]!;
    if (zz < 0 || zz >= s.depth || yy < 0 || yy >= s.height || xx < 0 || xx >= s.width) continue;
    visit(i + nb.offset[k]!);
  }
}
