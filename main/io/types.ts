import type { DType, StackMeta } from '../../shared/stack.ts';

/**
 * A stack opened for lazy, per-plane access: planes are decoded only when asked for, so a large
 * file is never held in memory as a whole. Plane z is the selected channel/time point's plane z.
 */
export interface StackSource {
  depth: number;
  height: number;
  width: number;
  meta: StackMeta;
  /** Plane z as float32 (length height*width), a fresh array the caller owns. */
  readPlane(z: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export interface ReadOptions {
  /** Channel to read from a multi-channel file (0-based). Required when the file has several. */
  channel?: number;
  /** Time point to read from a time series (0-based). Required when the file has several. */
  time?: number;
  /** Called after each plane is decoded by readStack. */
  onProgress?: (done: number, total: number) => void;
  /**
   * The file axis whose planes form the stack (TIFF only): 'Z' (default); 'C' reads the channels of
   * a single-slice file as Z (a Z-stack mislabelled as channels); 'T' uses the frames of a
   * single-slice time-lapse as the stack.
   */
  planesFrom?: 'Z' | 'C' | 'T';
  /** Shorthand for planesFrom: 'C'. */
  channelsAsZ?: boolean;
  /** Accept NaN/Inf values (default: refuse them with a clear error). */
  allowNonFinite?: boolean;
}

export type TiffFormat = 'imagej' | 'ome';
export type OutputFormat = TiffFormat | 'nifti' | 'zarr';
export type OutputDType = 'keep' | 'float32' | 'uint16' | 'uint8';

export interface WriteOptions {
  /** Output flavour; inferred from the file name when absent (.ome.tif → ome, .nii(.gz) → nifti). */
  format?: OutputFormat;
  /** 'keep' writes the stack's source dtype (values rounded and clipped to its range). */
  dtype?: OutputDType;
  overwrite?: boolean;
  /** Free text (e.g. the denoising parameters) stored in the file's description. */
  description?: string;
  /** Software name stored in the Software tag / description. */
  software?: string;
  /** Files that must never be written over (the inputs); meta.sourcePath is always included. */
  protect?: string[];
  /** Size in bytes above which BigTIFF is written (default 4 GB minus headroom); tests lower it. */
  bigTiffThreshold?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface WriteReport {
  path: string;
  format: OutputFormat;
  dtype: DType;
  bytes: number;
  bigTiff: boolean;
  /** Values changed to fit the output dtype (out of range or NaN). */
  clipped: number;
  notes: string[];
}

/** What a file holds, before any channel/time choice (what `n2s info` prints). */
export interface StackInfo {
  path: string;
  flavour: StackMeta['flavour'];
  /** Axes of the file, slowest first, e.g. "TZCYX" (only axes longer than 1, plus YX). */
  axes: string;
  shape: number[];
  dtype: DType;
  voxelSize: StackMeta['voxelSize'];
  channels: number;
  times: number;
  depth: number;
  height: number;
  width: number;
  channelNames?: string[];
  description?: string;
  /** Format details (compression, BigTIFF, byte order, ...), for display only. */
  details: Record<string, string | number | boolean>;
}
