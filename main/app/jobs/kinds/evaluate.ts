/**
 * 'evaluate' (issue 7): each stack against the reference with shared/metrics (percentile-affine for
 * microscopy, none for MRI — docs/method.md §7), per plane and as means.
 */
import type { Stack } from '../../../../shared/stack.ts';
import { checkEvaluateInputs } from '../../../workflows/evaluate.ts';
import { defineJobKind } from '../kind.ts';
import { forwardEvents } from './workflow-progress.ts';

interface Input {
  reference: Stack;
  stacks: { stackId: string; stack: Stack }[];
  normalization: 'percentile-affine' | 'none';
}

export const job = defineJobKind('evaluate', {
  prepare(params, main): Input {
    const reference = main.stacks.get(params.referenceStackId);
    const stacks = params.stackIds.map((stackId) => ({ stackId, stack: main.stacks.get(stackId) }));
    // The workflow's own check, run here too so that a mismatch refuses the start.
    checkEvaluateInputs(reference, stacks.map((s) => s.stack));
    return { reference, stacks, normalization: params.normalization };
  },

  async run(input, ctx) {
    const { evaluate } = await import('../../../workflows/evaluate.ts');
    const metrics = await evaluate(
      { normalisation: input.normalization },
      { reference: input.reference, stacks: input.stacks.map((s) => s.stack) },
      { signal: ctx.signal, onEvent: forwardEvents(ctx) },
    );
    const scores = metrics.map((m, i) => ({
      stackId: input.stacks[i].stackId,
      name: input.stacks[i].stack.meta.name,
      psnr: m.psnr,
      ssim: m.ssim,
      nrmse: m.nrmse,
      perPlanePsnr: m.planes.map((p) => p.psnr),
      perPlaneSsim: m.planes.map((p) => p.ssim),
    }));
    return { normalization: input.normalization, scores };
  },

  finish(out) {
    return out;
  },
});
