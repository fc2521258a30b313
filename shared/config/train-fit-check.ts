/**
 * Does a training configuration fit the stack it is meant for? The problems a user can fix before
 * pressing Start, in the words of the form (K, patch, planes, pixels). A view of the one set of
 * training-input checks (training-checks.ts), which n2s train and the app's train job apply too.
 */
import { trainingInputProblems } from './training-checks.ts';
import type { Arch, Method, Mode } from './enums.ts';

export { MAX_K, maxKFor } from './training-checks.ts';

export interface StackShape {
  depth: number;
  height: number;
  width: number;
}

export interface FitInput {
  method: Method;
  mode: Mode;
  /** Neighbours per side. */
  neighbours: number;
  patch: number;
  arch?: Arch;
}

/** Every shape problem of `c` on a stack of this shape, one sentence each; empty when it fits. */
export function trainFitProblems(shape: StackShape, c: FitInput): string[] {
  // The second copy and the reference are chosen elsewhere in the form: only the shape is checked here.
  return trainingInputProblems(c, { name: 'this stack', ...shape, hasCopy: true, hasClean: true }, 'app').map((p) => p.message);
}
