/**
 * The stack model every part of the product shares: a ZYX float32 volume with its voxel size and
 * where it came from. Planes are stored contiguously (plane z starts at z*height*width).
 */
export type DType = 'uint8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export type Flavour = 'imagej' | 'ome' | 'plain' | 'nifti' | 'zarr' | 'folder' | 'synthetic';

export interface VoxelSize {
  z: number;
  y: number;
  x: number;
  /** Physical unit of the three sizes, e.g. "micron", "mm", "pixel". */
  unit: string;
}

export interface StackMeta {
  /** Display name (file name without folder). */
  name: string;
  /** Absolute path of the file the stack was read from, if any. */
  sourcePath?: string;
  /** The dtype stored in the source file (data are always float32 in memory). */
  dtype: DType;
  voxelSize: VoxelSize;
  flavour: Flavour;
  /** Axes of the source file as found, e.g. "TZCYX"; the stack itself is always ZYX. */
  sourceAxes: string;
  /** Shape of the source file along sourceAxes. */
  sourceShape: number[];
  channel?: number;
  time?: number;
  channelName?: string;
  /** Free text carried from input to output (e.g. the ImageJ/OME description's user part). */
  description?: string;
  /** True for segmentation labels (integer object ids): shown as a labels overlay, not an image. */
  labels?: boolean;
}

export interface Stack {
  depth: number;
  height: number;
  width: number;
  /** ZYX, length depth*height*width. */
  data: Float32Array;
  meta: StackMeta;
}

/** A view of plane z (no copy). */
export function plane(stack: Stack, z: number): Float32Array {
  const n = stack.height * stack.width;
  return stack.data.subarray(z * n, (z + 1) * n);
}

export function makeStack(
  depth: number,
  height: number,
  width: number,
  data: Float32Array | undefined,
  meta: Partial<StackMeta> & { name: string },
): Stack {
  const d = data ?? new Float32Array(depth * height * width);
  if (d.length !== depth * height * width) {
    throw new Error(`stack data has ${d.length} values, expected ${depth}×${height}×${width}`);
  }
  return {
    depth,
    height,
    width,
    data: d,
    meta: {
      dtype: 'float32',
      voxelSize: { z: 1, y: 1, x: 1, unit: 'pixel' },
      flavour: 'plain',
      sourceAxes: 'ZYX',
      sourceShape: [depth, height, width],
      ...meta,
    },
  };
}
