/**
 * 'denoise': the denoise workflow (main/workflows/denoise.ts) on an open stack in the worker; the
 * input stack is shared memory, the output comes back transferred and becomes a new 'result' stack.
 */
import type { Stack } from '../../../../shared/stack.ts';
import type { DenoiseStackRequest } from '../../../../shared/config/denoise.ts';
import { defineJobKind } from '../kind.ts';
import { forwardEvents } from './workflow-progress.ts';

interface Input {
  stack: Stack;
  copy?: Stack;
  request: DenoiseStackRequest;
}

export const job = defineJobKind('denoise', {
  prepare({ stackId, copyStackId, ...request }, main): Input {
    const stack = main.stacks.get(stackId);
    const copy = copyStackId ? main.stacks.get(copyStackId) : undefined;
    return { stack, copy, request: { ...request, modelDir: main.paths.assertReadable(request.modelDir) } };
  },

  async run({ stack, copy, request }, ctx): Promise<{ stack: Stack; range: { min: number; max: number }; engine: string }> {
    const { denoiseStacks } = await import('../../../workflows/denoise.ts');
    const r = await denoiseStacks(request, { stack, copy }, { signal: ctx.signal, onEvent: forwardEvents(ctx) });
    // Shared memory and the range scan here, in the worker, so main does nothing stack-sized.
    const { toSharedStack, stackRange } = await import('../../stacks/stack-store.ts');
    return { stack: toSharedStack(r.stack), range: stackRange(r.stack.data), engine: [r.engine.engine, r.engine.provider ?? r.engine.backend].join('/') };
  },

  finish({ stack, range, engine }, main, jobId) {
    return { ...main.stacks.add(stack, 'result', jobId, range), engine };
  },
});
