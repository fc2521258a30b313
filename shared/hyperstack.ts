/**
 * The hyperstack model: a whole acquisition as the microscope recorded it — time points (T),
 * channels (C), planes (Z), rows (Y) and columns (X) — with what each channel is called and how
 * it is shown, the voxel size and the time between frames. A `Stack` (shared/stack.ts) is one
 * (time, channel) of it. In memory the data are float32 in TCZYX order; files keep their own
 * order (`order`), which writers reproduce. See docs/hyperstacks.md.
 */
import type { DType, Flavour, StackMeta, VoxelSize } from './stack.ts';

export interface ChannelMeta {
  /** Name as the file gives it (ImageJ slice label, OME Channel Name, omero label). */
  name?: string;
  /** Display colour as six hex digits "RRGGBB" (OME Color, omero color, end of an ImageJ LUT). */
  color?: string;
  /** Display range (ImageJ Ranges, omero window start/end). */
  display?: { min: number; max: number };
  /** ImageJ lookup table: 768 bytes, 256 reds then 256 greens then 256 blues. */
  lut?: Uint8Array;
}

export interface TimeIncrement {
  value: number;
  /** "s", "ms", "us", "min" or "h" (canonical; see canonicalTimeUnit). */
  unit: string;
}

export interface HyperstackMeta {
  name: string;
  sourcePath?: string;
  dtype: DType;
  flavour: Flavour;
  times: number;
  channels: number;
  depth: number;
  height: number;
  width: number;
  /**
   * Order of T, C and Z in the source file, slowest first (ImageJ "TZC", OME DimensionOrder XYCZT
   * → "TZC", OME-Zarr "TCZ"). Writers that can store any order keep it.
   */
  order: string;
  /** Axes present in the source, slowest first, e.g. "TCZYX", "CZYX", "ZYX". */
  axes: string;
  voxelSize: VoxelSize;
  timeIncrement?: TimeIncrement;
  /** One entry per channel (entries may be empty). */
  channelMeta: ChannelMeta[];
  description?: string;
}

/** A hyperstack in memory: TCZYX float32, plane (t, c, z) at ((t*C + c)*Z + z)*H*W. */
export interface Hyperstack {
  meta: HyperstackMeta;
  data: Float32Array;
}

/** Offset (in values) of plane (t, c, z) in a TCZYX array. */
export function planeOffset(m: Pick<HyperstackMeta, 'channels' | 'depth' | 'height' | 'width'>, t: number, c: number, z: number): number {
  return ((t * m.channels + c) * m.depth + z) * m.height * m.width;
}

export function hyperPlane(h: Hyperstack, t: number, c: number, z: number): Float32Array {
  const n = h.meta.height * h.meta.width;
  const o = planeOffset(h.meta, t, c, z);
  return h.data.subarray(o, o + n);
}

/** Shape along `meta.axes` (what `n2s info` prints). */
export function hyperShape(m: HyperstackMeta): number[] {
  const size: Record<string, number> = { T: m.times, C: m.channels, Z: m.depth, Y: m.height, X: m.width };
  return m.axes.split('').map((a) => size[a]);
}

/** Axes string for the sizes: T, C and Z when longer than 1 (Z also alone), in `order`, then YX. */
export function axesFor(order: string, sizes: { times: number; channels: number; depth: number }, keep = ''): string {
  const n: Record<string, number> = { T: sizes.times, C: sizes.channels, Z: sizes.depth };
  const lead = order.split('').filter((a) => n[a] > 1 || keep.includes(a) || (a === 'Z' && sizes.times === 1 && sizes.channels === 1));
  return lead.join('') + 'YX';
}

/** The `StackMeta` of one (time, channel) of a hyperstack, for the per-stack engine. */
export function stackMetaOf(m: HyperstackMeta, t: number, c: number): StackMeta {
  const cm = m.channelMeta[c] ?? {};
  return {
    name: m.name,
    ...(m.sourcePath ? { sourcePath: m.sourcePath } : {}),
    dtype: m.dtype,
    voxelSize: m.voxelSize,
    flavour: m.flavour,
    sourceAxes: m.axes,
    sourceShape: hyperShape(m),
    ...(m.channels > 1 ? { channel: c } : {}),
    ...(m.times > 1 ? { time: t } : {}),
    ...(cm.name ? { channelName: cm.name } : {}),
    ...(m.description ? { description: m.description } : {}),
  };
}

/** Hex "RRGGBB" from 0–255 components. */
export function rgbHex(r: number, g: number, b: number): string {
  return [r, g, b].map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('').toUpperCase();
}

/** [r, g, b] of "RRGGBB" (or "#RRGGBB"); undefined if it is not six hex digits. */
export function hexRgb(hex: string | undefined): [number, number, number] | undefined {
  const m = hex === undefined ? null : /^#?([0-9a-fA-F]{6})$/.exec(hex.trim());
  if (!m) return undefined;
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** OME's Color is a signed 32-bit RGBA integer. */
export function omeColorToHex(v: number): string {
  const u = v >>> 0;
  return rgbHex((u >>> 24) & 255, (u >>> 16) & 255, (u >>> 8) & 255);
}

export function hexToOmeColor(hex: string): number | undefined {
  const rgb = hexRgb(hex);
  if (!rgb) return undefined;
  return ((rgb[0] << 24) | (rgb[1] << 16) | (rgb[2] << 8) | 255) | 0;
}

/** The colour an ImageJ LUT ends in (its brightest entry): what Fiji shows as the channel colour. */
export function lutColor(lut: Uint8Array): string | undefined {
  if (lut.length !== 768) return undefined;
  return rgbHex(lut[255], lut[511], lut[767]);
}

/** A linear ImageJ LUT from black to `hex`. */
export function linearLut(hex: string): Uint8Array | undefined {
  const rgb = hexRgb(hex);
  if (!rgb) return undefined;
  const lut = new Uint8Array(768);
  for (let i = 0; i < 256; i++) for (let k = 0; k < 3; k++) lut[k * 256 + i] = Math.round((rgb[k] * i) / 255);
  return lut;
}

const TIME_ALIASES: Record<string, string> = {
  s: 's', sec: 's', second: 's', seconds: 's', secs: 's',
  ms: 'ms', msec: 'ms', millisecond: 'ms', milliseconds: 'ms',
  us: 'us', 'µs': 'us', 'μs': 'us', microsecond: 'us', microseconds: 'us',
  min: 'min', minute: 'min', minutes: 'min', mins: 'min',
  h: 'h', hr: 'h', hour: 'h', hours: 'h',
};

/** Canonical time unit ("s", "ms", "us", "min", "h") for a unit as written in a file. */
export function canonicalTimeUnit(u: string | undefined): string | undefined {
  if (u === undefined) return undefined;
  const t = u.trim();
  return TIME_ALIASES[t] ?? TIME_ALIASES[t.toLowerCase()] ?? (t || undefined);
}

/** Default colours for channels without one (green, magenta, cyan, yellow, then grey). */
export const DEFAULT_CHANNEL_COLORS = ['00FF00', 'FF00FF', '00FFFF', 'FFFF00', 'FF0000', '0000FF'];

/** The ZYX stack of time point t, channel c (a view of the hyperstack's data, no copy). */
export function channelVolume(h: Hyperstack, t: number, c: number): { depth: number; height: number; width: number; data: Float32Array; meta: StackMeta } {
  const m = h.meta;
  const n = m.depth * m.height * m.width;
  const o = planeOffset(m, t, c, 0);
  return { depth: m.depth, height: m.height, width: m.width, data: h.data.subarray(o, o + n), meta: stackMetaOf(m, t, c) };
}

/**
 * Plane z of channel c through time as a stack whose planes are the T frames (for neighbours
 * along t: frame t is predicted from frames t±1…t±k as plane i from planes i±1…i±k). A copy.
 */
export function timeSeries(h: Hyperstack, c: number, z: number): { depth: number; height: number; width: number; data: Float32Array; meta: StackMeta } {
  const m = h.meta;
  const hw = m.height * m.width;
  const data = new Float32Array(m.times * hw);
  for (let t = 0; t < m.times; t++) data.set(h.data.subarray(planeOffset(m, t, c, z), planeOffset(m, t, c, z) + hw), t * hw);
  return { depth: m.times, height: m.height, width: m.width, data, meta: { ...stackMetaOf(m, 0, c), name: `${m.name} c${c} z${z} through time` } };
}
