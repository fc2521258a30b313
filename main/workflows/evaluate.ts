/**
 * The evaluate use case: stacks scored against a reference with shared/metrics, per plane and as
 * means (docs/method.md §7). n2s eval and the app's evaluate job call it. Emits: progress.
 */
import type { Stack } from '../../shared/stack.ts';
import { EvaluateRequest, type EvaluateRequestInput } from '../../shared/config/analysis.ts';
import type { StackMetrics } from '../../shared/metrics/index.ts';
import { InputMismatchError } from '../errors.ts';
import { parseRequest, throwIfCancelled, type WorkflowOptions } from './common.ts';

/** SSIM's 11×11 Gaussian window needs planes at least this large. */
const MIN_SIDE = 11;

const shape = (s: { depth: number; height: number; width: number }) => `${s.depth}×${s.height}×${s.width}`;

type Shape = { depth: number; height: number; width: number; meta: { name: string } };

/** The evaluate checks (same shapes, planes large enough for SSIM); the app calls it at job start too. */
export function checkEvaluateInputs(reference: Shape, stacks: Shape[]): void {
  for (const s of stacks) {
    if (shape(s) !== shape(reference)) throw new InputMismatchError(`prediction is ${shape(s)} (Z×Y×X, ${s.meta.name}) but the reference is ${shape(reference)}; they must match`);
  }
  if (reference.height < MIN_SIDE || reference.width < MIN_SIDE) throw new InputMismatchError(`planes must be at least ${MIN_SIDE}×${MIN_SIDE} for SSIM, got ${reference.height}×${reference.width}`);
}

/** Scores each stack against the reference; the same checks whatever the door. */
export async function evaluate(request: EvaluateRequestInput, input: { reference: Stack; stacks: Stack[] }, o: WorkflowOptions = {}): Promise<StackMetrics[]> {
  const req = parseRequest(EvaluateRequest, request);
  const { reference } = input;
  checkEvaluateInputs(reference, input.stacks);
  const { evaluateStack } = await import('../../shared/metrics/index.ts');
  const out: StackMetrics[] = [];
  for (const [i, s] of input.stacks.entries()) {
    throwIfCancelled(o.signal);
    o.onEvent?.({ type: 'progress', stage: 'scoring', done: i, total: input.stacks.length });
    out.push(evaluateStack(s, reference, { normalization: req.normalisation, dataRange: req.dataRange }));
  }
  o.onEvent?.({ type: 'progress', stage: 'scoring', done: input.stacks.length, total: input.stacks.length });
  return out;
}
