/**
 * The training graph keeps every weight of the network in ONE flat float32 vector (and the two
 * Adam moments in two more of the same length), so a step has three parameter tensors in and out
 * instead of three per weight, and the Adam update is a handful of element-wise nodes on the whole
 * vector. Inside the vector each kernel is stored OIHW (what ONNX's Conv reads), biases as is, in
 * weightShapes() order; conversion to the project's HWIO NamedWeights happens only at the edges.
 */
import { type ArchSpec, weightShapes } from '../../../../shared/model/arch.ts';
import type { NamedWeights } from '../../../../shared/model/init.ts';
import { hwioToOihw } from '../forward.ts';

export interface ParamSlot {
  name: string;
  /** Shape as the project stores it (HWIO for kernels). */
  shape: number[];
  /** Shape inside the flat vector (OIHW for kernels). */
  graphDims: number[];
  offset: number;
  size: number;
}

export interface ParamLayout {
  slots: ParamSlot[];
  total: number;
}

export function paramLayout(spec: ArchSpec): ParamLayout {
  const slots: ParamSlot[] = [];
  let offset = 0;
  for (const { name, shape } of weightShapes(spec)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const graphDims = name.endsWith('/kernel') ? [shape[3], shape[2], shape[0], shape[1]] : shape;
    slots.push({ name, shape, graphDims, offset, size });
    offset += size;
  }
  return { slots, total: offset };
}

/** NamedWeights (HWIO kernels) → the flat vector; throws a one-line error on a missing/misshapen weight. */
export function packParams(layout: ParamLayout, weights: NamedWeights): Float32Array {
  const flat = new Float32Array(layout.total);
  for (const s of layout.slots) {
    const w = weights.get(s.name);
    if (!w) throw new Error(`weights lack "${s.name}"`);
    if (w.shape.join(',') !== s.shape.join(',')) throw new Error(`weight "${s.name}" has shape [${w.shape}], the network needs [${s.shape}]`);
    flat.set(s.name.endsWith('/kernel') ? hwioToOihw(w.data, w.shape).data : w.data, s.offset);
  }
  return flat;
}

/** The flat vector → NamedWeights with HWIO kernels (fresh arrays, safe to keep). */
export function unpackParams(layout: ParamLayout, flat: Float32Array): NamedWeights {
  const out: NamedWeights = new Map();
  for (const s of layout.slots) {
    const part = flat.subarray(s.offset, s.offset + s.size);
    out.set(s.name, { shape: [...s.shape], data: s.name.endsWith('/kernel') ? oihwToHwio(part, s.graphDims) : part.slice() });
  }
  return out;
}

/** [Co,Ci,kh,kw] (OIHW) → [kh,kw,Ci,Co] (HWIO). */
export function oihwToHwio(data: Float32Array, dims: number[]): Float32Array {
  const [co, ci, kh, kw] = dims;
  const out = new Float32Array(data.length);
  for (let o = 0; o < co; o++)
    for (let i = 0; i < ci; i++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) out[((y * kw + x) * ci + i) * co + o] = data[((o * ci + i) * kh + y) * kw + x];
  return out;
}
