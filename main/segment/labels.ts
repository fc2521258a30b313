/**
 * Labels as stacks: a segmentation result becomes a Stack whose meta is the source's (voxel size,
 * axes, description) with dtype uint16, so writeStack exports it as a uint16 TIFF with the same
 * metadata; and a labels TIFF read back becomes an overlay after checking it really holds labels.
 */
import { makeStack, type Stack } from '../../shared/stack.ts';

export class LabelsError extends Error {}

export const MAX_UINT16_LABEL = 65535;

export function labelsToStack(labels: Uint32Array, count: number, source: Stack, what = 'labels'): Stack {
  if (labels.length !== source.data.length) throw new LabelsError('labels and source stack differ in size');
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > max) max = labels[i]!;
  if (max > MAX_UINT16_LABEL) {
    throw new LabelsError(`${count} objects do not fit a uint16 labels image (at most ${MAX_UINT16_LABEL}); segment fewer planes or in 3-D`);
  }
  const data = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) data[i] = labels[i]!;
  const base = source.meta.name.replace(/\.(ome\.)?tiff?$/i, '');
  const { sourcePath: _drop, ...meta } = source.meta;
  void _drop;
  return makeStack(source.depth, source.height, source.width, data, {
    ...meta,
    name: `${base} ${what}`,
    dtype: 'uint16',
    description: [source.meta.description, `nuclei ${what} (${count} objects) by n2s segment`].filter(Boolean).join('; '),
    labels: true,
  });
}

/**
 * Reads a labels image (any integer dtype) for use as an overlay; refuses intensity images
 * (fractional or negative values) with a one-line reason.
 */
export function stackToLabels(stack: Stack): { labels: Uint32Array; count: number } {
  const labels = new Uint32Array(stack.data.length);
  const seen = new Set<number>();
  for (let i = 0; i < stack.data.length; i++) {
    const v = stack.data[i]!;
    if (!(v >= 0) || !Number.isInteger(v)) {
      throw new LabelsError(`${stack.meta.name} is not a labels image: value ${v} at voxel ${i} is not a non-negative integer`);
    }
    labels[i] = v;
    if (v) seen.add(v);
  }
  return { labels, count: seen.size };
}
