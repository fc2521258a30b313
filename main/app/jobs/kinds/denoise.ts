/**
 * 'denoise': the model folder is read and run in the worker (main/engine/predictor.ts picks the
 * engine, main/engine/predict.ts tiles and blends); the input stack is shared memory, the output
 * comes back transferred and becomes a new 'result' stack in main.
 */
import { makeStack, type Stack } from '../../../../shared/stack.ts';
import { UserError } from '../../../errors.ts';
import { defineJobKind } from '../kind.ts';

interface Input {
  stack: Stack;
  copy?: Stack;
  modelDir: string;
  engine: 'auto' | 'tfjs' | 'onnx';
}

export const job = defineJobKind('denoise', {
  prepare(params, main): Input {
    const stack = main.stacks.get(params.stackId);
    const copy = params.copyStackId ? main.stacks.get(params.copyStackId) : undefined;
    if (copy && (copy.depth !== stack.depth || copy.height !== stack.height || copy.width !== stack.width)) {
      throw new UserError(`the second copy is ${copy.depth}×${copy.height}×${copy.width}, the stack ${stack.depth}×${stack.height}×${stack.width}`);
    }
    return { stack, copy, modelDir: main.paths.assertReadable(params.modelDir), engine: params.engine };
  },

  async run({ stack, copy, modelDir, engine }, ctx): Promise<{ stack: Stack; range: { min: number; max: number }; engine: string }> {
    ctx.progress(0, 'loading the model');
    const { readModelConfig } = await import('../../../engine/model-store.ts');
    let config;
    try {
      config = await readModelConfig(modelDir);
    } catch (e) {
      throw new UserError(`${modelDir} is not a usable model folder: ${(e as Error).message.split('\n')[0]}`);
    }
    const { minPlanes } = await import('../../../engine/sampler.ts');
    const need = minPlanes(config.layout.mode, config.layout.k);
    if (stack.depth < need) {
      throw new UserError(`${stack.meta.name} has ${stack.depth} planes; this model (${config.layout.mode}-supervised, K=${config.layout.k}) needs at least ${need}`);
    }
    if (config.layout.mode === 'copy' && !copy) throw new UserError('this model is copy-supervised: open the second noisy copy first');

    const { loadPredictor } = await import('../../../engine/predictor.ts');
    const { denoiseStack } = await import('../../../engine/predict.ts');
    const { refit } = await import('../../../engine/normalise.ts');
    const loaded = await loadPredictor(modelDir, { engine, log: (l) => ctx.log(l) });
    const engineName = [loaded.report.engine, loaded.report.provider ?? loaded.report.backend].join('/');
    const sources = copy ? [stack, copy] : [stack];
    const total = stack.depth * sources.length;
    let done = 0;
    const t0 = Date.now();
    let out: Float32Array | null = null;
    try {
      for (const s of sources) {
        const pred = await denoiseStack(loaded.predictor, s.data, s, {
          spec: loaded.spec,
          layout: config.layout,
          normalisation: refit(config.normalisation, s.data),
          signal: ctx.signal,
          onEvent: () => {
            done++;
            const sec = (Date.now() - t0) / 1000;
            ctx.progress(done / total, `plane ${done} of ${total} (${engineName})`, { secondsPerPlane: sec / done, eta: (sec / done) * (total - done) });
          },
        });
        if (!out) out = pred;
        else for (let i = 0; i < out.length; i++) out[i] = 0.5 * (out[i] + pred[i]);
      }
    } finally {
      loaded.predictor.dispose();
    }
    const name = `${stack.meta.name.replace(/\.(ome\.)?tiff?$|\.nii(\.gz)?$/i, '')} (denoised)`;
    const result = makeStack(stack.depth, stack.height, stack.width, out!, {
      ...stack.meta,
      name,
      sourcePath: undefined,
      dtype: 'float32',
      description: `denoised by Noise2Stack Studio, model ${config.training.method} ${config.layout.mode} K=${config.layout.k}`,
    });
    // Shared memory and the range scan here, in the worker, so main does nothing stack-sized.
    const { toSharedStack, stackRange } = await import('../../stacks/stack-store.ts');
    return { stack: toSharedStack(result), range: stackRange(result.data), engine: engineName };
  },

  finish({ stack, range }, main, jobId) {
    return main.stacks.add(stack, 'result', jobId, range);
  },
});
