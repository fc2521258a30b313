/**
 * Hyperstacks in the viewer (issue 18): main opens a multi-channel and/or time-lapse file as one
 * stack per channel, grouped (StackInfo.hyperstack). Here, as plain functions that run in Node
 * tests: each channel's colormap (the file's colour, else green, magenta, cyan, …) and additive
 * blending, the groups among the open stacks, the time label, and swapping a layer's voxels when
 * the time slider moves (display settings kept).
 */
import type { StackInfo } from '../../shared/ipc/stacks.ts';
import { hexRgb } from '../../shared/hyperstack.ts';
import type { ColormapName } from '../../shared/viewer/colormaps.ts';
import { finiteRange, histogram } from '../../shared/viewer/stats.ts';
import type { Blending, ImageLayer, ViewerStore } from './layers.ts';

/** Channels without a colour in the file, in order (fluorescence convention: green, magenta, …). */
export const CHANNEL_PALETTE: ColormapName[] = ['green', 'magenta', 'cyan', 'red', 'blue', 'gray'];

const HUE_RGB: [ColormapName, [number, number, number]][] = [
  ['green', [0, 1, 0]],
  ['magenta', [1, 0, 1]],
  ['cyan', [0, 1, 1]],
  ['red', [1, 0, 0]],
  ['blue', [0, 0, 1]],
  ['gray', [1, 1, 1]],
];

/** The single-hue colormap closest to a colour "RRGGBB" (hue only: brightness does not matter). */
export function nearestHue(hex: string): ColormapName | undefined {
  const rgb = hexRgb(hex);
  if (!rgb) return undefined;
  const peak = Math.max(...rgb);
  if (peak === 0) return undefined;
  const v = rgb.map((x) => x / peak);
  let best: ColormapName = 'gray';
  let bestD = Infinity;
  for (const [name, h] of HUE_RGB) {
    const d = (v[0] - h[0]) ** 2 + (v[1] - h[1]) ** 2 + (v[2] - h[2]) ** 2;
    if (d < bestD - 1e-9) {
      best = name;
      bestD = d;
    }
  }
  return best;
}

/**
 * How a hyperstack channel is drawn: its colour, added to the other channels' light (as a
 * fluorescence microscope's overlay). A single-channel time-lapse stays grey unless the file gives
 * a colour. Plain stacks: nothing (the viewer's defaults).
 */
export function channelDisplay(info: StackInfo): { colormap: ColormapName; blending: Blending } | undefined {
  const h = info.hyperstack;
  if (!h) return undefined;
  const fromFile = h.color ? nearestHue(h.color) : undefined;
  if (h.channels <= 1) return fromFile ? { colormap: fromFile, blending: 'translucent' } : undefined;
  return { colormap: fromFile ?? CHANNEL_PALETTE[h.channel % CHANNEL_PALETTE.length], blending: 'additive' };
}

export interface HyperstackGroup {
  groupId: string;
  /** Name of the hyperstack (the acquisition's, or its result's). */
  name: string;
  times: number;
  channels: number;
  time: number;
  timeIncrement?: { value: number; unit: string };
  /** Member stacks in channel order. */
  stackIds: string[];
}

/** The hyperstack groups among the open stacks, in the order their first channel was opened. */
export function hyperstackGroups(stacks: StackInfo[]): HyperstackGroup[] {
  const groups = new Map<string, HyperstackGroup & { members: { c: number; id: string }[] }>();
  for (const s of stacks) {
    const h = s.hyperstack;
    if (!h) continue;
    let g = groups.get(h.groupId);
    if (!g) {
      g = {
        groupId: h.groupId,
        name: h.name,
        times: h.times,
        channels: h.channels,
        time: h.time,
        ...(h.timeIncrement ? { timeIncrement: h.timeIncrement } : {}),
        stackIds: [],
        members: [],
      };
      groups.set(h.groupId, g);
    }
    g.members.push({ c: h.channel, id: s.stackId });
  }
  return [...groups.values()].map(({ members, ...g }) => ({ ...g, stackIds: members.sort((a, b) => a.c - b.c).map((m) => m.id) }));
}

/** "t 2/3 · 60 s" style label: time point (1-based of T) and, when known, the time since the first. */
export function timeLabel(time: number, times: number, inc?: { value: number; unit: string }): string {
  const at = `${time + 1}/${times}`;
  if (!inc || !(inc.value > 0)) return at;
  const v = +(time * inc.value).toPrecision(6);
  return `${at} · ${v} ${inc.unit}`;
}

/**
 * Replace an image layer's voxels with another time point of the same channel: same dims, same
 * contrast limits, colormap and blending (so time points compare at one display); the data range
 * and histogram follow the new values.
 */
export function replaceLayerData(viewer: ViewerStore, layerId: string, data: Float32Array): void {
  const layer = viewer.get().layers.find((l) => l.id === layerId);
  if (!layer || layer.kind !== 'image') return;
  const { depth, height, width } = layer.dims;
  if (data.length !== depth * height * width) throw new Error(`layer "${layer.name}": ${data.length} values for ${depth}×${height}×${width}`);
  const dataRange = finiteRange(data);
  const next: ImageLayer = { ...layer, data, dataRange, histogram: histogram(data, layer.histogram.counts.length, dataRange, 1 << 22) };
  viewer.store.set((s) => ({ layers: s.layers.map((l) => (l.id === layerId ? next : l)) }));
}
