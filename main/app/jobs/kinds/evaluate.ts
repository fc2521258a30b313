/**
 * 'evaluate' (issue 7): each stack against the reference with shared/metrics (percentile-affine for
 * microscopy, none for MRI — docs/method.md §7), per plane and as means.
 */
import type { Stack } from '../../../../shared/stack.ts';
import { UserError } from '../../../errors.ts';
import { defineJobKind } from '../kind.ts';

interface Input {
  reference: Stack;
  stacks: { stackId: string; stack: Stack }[];
  normalization: 'percentile-affine' | 'none';
}

export const job = defineJobKind('evaluate', {
  prepare(params, main): Input {
    const reference = main.stacks.get(params.referenceStackId);
    const stacks = params.stackIds.map((stackId) => {
      const stack = main.stacks.get(stackId);
      if (stack.depth !== reference.depth || stack.height !== reference.height || stack.width !== reference.width) {
        throw new UserError(`${stack.meta.name} is ${stack.depth}×${stack.height}×${stack.width}, the reference ${reference.depth}×${reference.height}×${reference.width}`);
      }
      return { stackId, stack };
    });
    return { reference, stacks, normalization: params.normalization };
  },

  async run(input, ctx) {
    const { evaluateStack } = await import('../../../../shared/metrics/index.ts');
    const scores = [];
    for (const [i, { stackId, stack }] of input.stacks.entries()) {
      await ctx.checkpoint();
      ctx.progress(i / input.stacks.length, `scoring ${stack.meta.name}`);
      const m = evaluateStack(stack, input.reference, { normalization: input.normalization });
      scores.push({
        stackId,
        name: stack.meta.name,
        psnr: m.psnr,
        ssim: m.ssim,
        nrmse: m.nrmse,
        perPlanePsnr: m.planes.map((p) => p.psnr),
        perPlaneSsim: m.planes.map((p) => p.ssim),
      });
    }
    return { normalization: input.normalization, scores };
  },

  finish(out) {
    return out;
  },
});
