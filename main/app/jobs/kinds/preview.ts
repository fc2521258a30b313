/**
 * 'preview' (issue 7, live preview): one plane denoised by the denoise workflow with a checkpoint of
 * a running training. The result is a stack of the source's size holding just that plane, so the
 * viewer shows it on the same grid at the cursor's plane.
 */
import { makeStack, type Stack } from '../../../../shared/stack.ts';
import { checkPreviewPlane } from '../../../workflows/denoise.ts';
import { defineJobKind } from '../kind.ts';
import { forwardEvents } from './workflow-progress.ts';

interface Input {
  stack: Stack;
  copy?: Stack;
  modelDir: string;
  plane: number;
  label: string;
  replaceStackId?: string;
}

export const job = defineJobKind('preview', {
  prepare(params, main): Input {
    const stack = main.stacks.get(params.stackId);
    // The workflow's own check, run here too so that a wrong plane refuses the start.
    checkPreviewPlane(params.plane, stack.depth);
    const copy = params.copyStackId ? main.stacks.get(params.copyStackId) : undefined;
    return { stack, copy, modelDir: main.paths.assertReadable(params.modelDir), plane: params.plane, label: params.label, replaceStackId: params.replaceStackId };
  },

  async run(input, ctx): Promise<{ stack: Stack; replaceStackId?: string }> {
    const { previewPlane } = await import('../../../workflows/denoise.ts');
    const { stack, plane } = input;
    ctx.progress(0, `preview of plane ${plane}`);
    const r = await previewPlane({ modelDir: input.modelDir, plane }, { stack, copy: input.copy }, { signal: ctx.signal, onEvent: forwardEvents(ctx) });
    const n = stack.height * stack.width;
    const data = new Float32Array(stack.depth * n);
    data.set(r.plane.subarray(0, n), plane * n);
    const base = stack.meta.name.replace(/\.(ome\.)?tiff?$|\.nii(\.gz)?$/i, '');
    const result = makeStack(stack.depth, stack.height, stack.width, data, {
      ...stack.meta,
      name: `${base} (preview${input.label ? `, ${input.label}` : ''}, plane ${plane})`,
      sourcePath: undefined,
      dtype: 'float32',
      description: `live preview of plane ${plane} during training`,
    });
    return { stack: result, replaceStackId: input.replaceStackId };
  },

  finish({ stack, replaceStackId }, main, jobId) {
    if (replaceStackId) main.stacks.remove(replaceStackId);
    return main.stacks.add(stack, 'result', jobId);
  },
});
