/**
 * Segments a whole stack in main (CLI and app job): the pure pipeline of shared/segmentation, or
 * a user's tfjs probability model followed by the same clean-up and splitting. Reports progress
 * per plane and honours cancellation between planes.
 */
import { labelMask, relabelSequential, segmentNuclei, smoothVolume, trimOutOfFocus, SegmentationOptions, planeObjectStats, compareSegmentations, type Agreement, type PlaneObjectStats, type SegmentationOptionsInput } from '../../shared/segmentation/index.ts';
import type { Stack } from '../../shared/stack.ts';
import { CancelledError } from '../errors.ts';
import type { SegmentationModel } from './model.ts';

export interface SegmentStackOptions {
  options?: SegmentationOptionsInput;
  model?: SegmentationModel;
  /** A reference segmentation (e.g. of the high-exposure stack) to compare against. */
  reference?: Uint32Array;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface SegmentStackResult {
  labels: Uint32Array;
  count: number;
  /** Thresholds used (automatic or fixed); empty with a model (probability > 0.5). */
  thresholds: number[];
  method: 'classic' | 'model';
  perPlane: PlaneObjectStats[];
  agreement?: Agreement;
  seconds: number;
}

function spacingOf(stack: Stack): { z: number; y: number; x: number } {
  const v = stack.meta.voxelSize;
  const ok = (a: number) => Number.isFinite(a) && a > 0;
  return ok(v.x) && ok(v.y) && ok(v.z) ? { z: v.z, y: v.y, x: v.x } : { z: 1, y: 1, x: 1 };
}

async function modelLabels(stack: Stack, model: SegmentationModel, o: SegmentationOptions, opts: SegmentStackOptions): Promise<Uint32Array> {
  const { depth, height: h, width: w } = stack;
  const np = h * w;
  const mask = new Uint8Array(depth * np);
  for (let z = 0; z < depth; z++) {
    if (opts.signal?.aborted) throw new CancelledError('segmentation cancelled');
    const prob = await model.predictPlane(stack.data.subarray(z * np, (z + 1) * np), h, w);
    for (let i = 0; i < np; i++) mask[z * np + i] = prob[i]! > 0.5 ? 1 : 0;
    opts.onProgress?.(o.mode === '3d' ? z : z + 0.5, depth);
  }
  const sp = spacingOf(stack);
  if (o.mode === '3d') {
    const shape = { depth, height: h, width: w };
    const labels = labelMask(mask, shape, o, { z: sp.z / sp.x, y: sp.y / sp.x, x: 1 });
    // The model says where nuclei are, the intensity profile along z says in which planes they are in focus.
    trimOutOfFocus(labels, smoothVolume(stack.data, shape, o.sigma, sp), shape, o);
    relabelSequential(labels);
    opts.onProgress?.(depth, depth);
    return labels;
  }
  const labels = new Uint32Array(depth * np);
  let count = 0;
  for (let z = 0; z < depth; z++) {
    const pl = labelMask(mask.subarray(z * np, (z + 1) * np), { depth: 1, height: h, width: w }, o, { z: 1, y: sp.y / sp.x, x: 1 });
    count += relabelSequential(pl, count);
    labels.set(pl, z * np);
    opts.onProgress?.(z + 1, depth);
  }
  return labels;
}

export async function segmentStack(stack: Stack, opts: SegmentStackOptions = {}): Promise<SegmentStackResult> {
  const t0 = performance.now();
  const o = SegmentationOptions.parse(opts.options ?? {});
  const shape = { depth: stack.depth, height: stack.height, width: stack.width };
  let labels: Uint32Array;
  let thresholds: number[] = [];
  if (opts.model) {
    labels = await modelLabels(stack, opts.model, o, opts);
  } else if (o.mode === '2d' && o.thresholdScope === 'plane' && stack.depth > 1) {
    // Plane by plane so a cancel takes effect within one plane and progress is live.
    const np = stack.height * stack.width;
    labels = new Uint32Array(stack.data.length);
    let count = 0;
    for (let z = 0; z < stack.depth; z++) {
      if (opts.signal?.aborted) throw new CancelledError('segmentation cancelled');
      const r = segmentNuclei(stack.data.subarray(z * np, (z + 1) * np), { depth: 1, height: stack.height, width: stack.width }, o, spacingOf(stack));
      for (let i = 0; i < np; i++) labels[z * np + i] = r.labels[i] ? r.labels[i]! + count : 0;
      count += r.count;
      thresholds.push(...r.thresholds);
      opts.onProgress?.(z + 1, stack.depth);
      // Yield so a job runner's cancel message and progress events get through.
      await new Promise((res) => setImmediate(res));
    }
  } else {
    const r = segmentNuclei(stack.data, shape, o, spacingOf(stack), opts.onProgress);
    labels = r.labels;
    thresholds = r.thresholds;
  }
  const ids = new Set<number>();
  for (let i = 0; i < labels.length; i++) if (labels[i]) ids.add(labels[i]!);
  const count = ids.size;
  const perPlane = planeObjectStats(labels, shape);
  const agreement = opts.reference ? compareSegmentations(labels, opts.reference, shape, o.mode) : undefined;
  return { labels, count, thresholds, method: opts.model ? 'model' : 'classic', perPlane, agreement, seconds: (performance.now() - t0) / 1000 };
}
