/**
 * 'preview' (issue 7, live preview): one plane denoised with a checkpoint of a running training.
 * Only that plane and its K neighbours are read; the result is a stack of the source's size holding
 * just that plane, so the viewer shows it on the same grid at the cursor's plane.
 */
import { makeStack, type Stack } from '../../../../shared/stack.ts';
import { UserError } from '../../../errors.ts';
import { defineJobKind } from '../kind.ts';

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
    if (params.plane >= stack.depth) throw new UserError(`plane ${params.plane} is outside 0…${stack.depth - 1}`);
    const copy = params.copyStackId ? main.stacks.get(params.copyStackId) : undefined;
    return { stack, copy, modelDir: main.paths.assertReadable(params.modelDir), plane: params.plane, label: params.label, replaceStackId: params.replaceStackId };
  },

  async run(input, ctx): Promise<{ stack: Stack; replaceStackId?: string }> {
    const { loadPredictor } = await import('../../../engine/predictor.ts');
    const { denoiseStack } = await import('../../../engine/predict.ts');
    const { refit } = await import('../../../engine/normalise.ts');
    const { stack, plane } = input;
    ctx.progress(0, `preview of plane ${plane}`);
    // tfjs loads in a fraction of ONNX Runtime's session start-up: right for a one-plane preview.
    const loaded = await loadPredictor(input.modelDir, { engine: 'tfjs', log: (l) => ctx.log(l) });
    if (loaded.config.layout.mode === 'copy' && !input.copy) {
      loaded.predictor.dispose();
      throw new UserError('this model is copy-supervised: the preview needs the second noisy copy');
    }
    let out: Float32Array | null = null;
    try {
      for (const s of input.copy && loaded.config.layout.mode === 'copy' ? [stack, input.copy] : [stack]) {
        const p = await denoiseStack(loaded.predictor, s.data, s, {
          spec: loaded.spec,
          layout: loaded.config.layout,
          normalisation: refit(loaded.config.normalisation, s.data),
          planes: { z0: plane, z1: plane + 1 },
          signal: ctx.signal,
        });
        if (!out) out = p;
        else for (let i = 0; i < out.length; i++) out[i] = 0.5 * (out[i]! + p[i]!);
      }
    } finally {
      loaded.predictor.dispose();
    }
    const n = stack.height * stack.width;
    const data = new Float32Array(stack.depth * n);
    data.set(out!.subarray(0, n), plane * n);
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
