/**
 * Does a training configuration fit the stack it is meant for? The problems a user can fix before
 * pressing Start, in the words of the form (K, patch, planes, pixels) rather than schema paths.
 * Pure, so the UI checks while the user types and main can check again at the edge.
 */
import { minPlanes } from '../model/neighbours.ts';
import type { Method } from './enums.ts';

export interface StackShape {
  depth: number;
  height: number;
  width: number;
}

export interface FitInput {
  method: Method;
  mode: 'self' | 'copy';
  /** Neighbours per side. */
  neighbors: number;
  patch: number;
  arch?: 'csbdeep' | 'n2n';
}

/** The largest schema K (TrainingConfig.neighbors). */
export const MAX_K = 16;

/** Largest K a stack of `depth` planes supports in a mode (0 when none does). */
export function maxKFor(depth: number, mode: 'self' | 'copy'): number {
  let k = 0;
  while (k < MAX_K && depth >= minPlanes(mode, k + 1)) k++;
  return mode === 'self' && depth < minPlanes('self', 1) ? 0 : k;
}

/** Every problem of `c` on a stack of this shape, one sentence each; empty when it fits. */
export function trainFitProblems(shape: StackShape, c: FitInput): string[] {
  const out: string[] = [];
  const usesK = c.method === 'n2s' || c.method === 'n2c' || c.method === 'n2s-bs';
  const mode = c.method === 'n2s' ? c.mode : 'copy';
  if (usesK) {
    const need = minPlanes(mode, c.neighbors);
    const max = maxKFor(shape.depth, mode);
    // The stack's own limit first: it is the one the user can act on with this stack.
    if (shape.depth < need) {
      out.push(
        max > 0
          ? `K = ${c.neighbors} needs at least ${need} planes (K on each side of a plane), but this stack has ${shape.depth}: choose K ≤ ${max}.`
          : `This stack has ${shape.depth} plane${shape.depth === 1 ? '' : 's'}; Noise2Stack needs at least ${minPlanes(mode, 1)}.`,
      );
    } else if (c.neighbors > MAX_K) {
      out.push(`K = ${c.neighbors} neighbours per side is more than the ${MAX_K} the network takes: choose K ≤ ${Math.min(MAX_K, max)}.`);
    }
  }
  const side = Math.min(shape.height, shape.width);
  if (c.patch > side) {
    const multiple = c.arch === 'n2n' ? 32 : 4;
    const fit = Math.floor(side / multiple) * multiple;
    out.push(`Patch ${c.patch} is larger than the image (${shape.height} × ${shape.width} pixels): choose a patch of at most ${fit}.`);
  }
  return out;
}
