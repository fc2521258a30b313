/** 'model-info' (issue 7, models list): a model folder's configuration and final losses. */
import { basename } from 'node:path';
import { UserError } from '../../../errors.ts';
import { defineJobKind } from '../kind.ts';

export const job = defineJobKind('model-info', {
  prepare: (params, main) => ({ modelDir: main.paths.assertReadable(params.modelDir) }),
  async run({ modelDir }) {
    const { readModelConfig } = await import('../../../engine/model-store.ts');
    let c;
    try {
      c = await readModelConfig(modelDir);
    } catch (e) {
      throw new UserError(`${modelDir} is not a usable model folder: ${(e as Error).message.split('\n')[0]}`);
    }
    return {
      modelDir,
      name: basename(modelDir),
      config: c.training,
      layout: c.layout,
      history: c.history,
      finalLoss: c.losses.finalLoss,
      bestValLoss: c.losses.bestValLoss,
      bestEpoch: c.losses.bestEpoch,
      engine: { engine: c.engine.engine, backend: c.engine.backend, provider: c.engine.provider },
      cancelled: c.cancelled ?? false,
      seconds: c.history.at(-1)?.seconds ?? 0,
    };
  },
  finish: (out) => out,
});
