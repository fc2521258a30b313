/**
 * 'autok' (issue 7, "Suggest K"): main/science/autok.ts's short runs per candidate K on the shared
 * stack in the worker. Without explicit settings the runs use a quarter-width network on small
 * patches: enough to rank K, a minute rather than an hour.
 */
import type { TrainingConfigInput } from '../../../../shared/config/training.ts';
import type { Stack } from '../../../../shared/stack.ts';
import { UserError } from '../../../errors.ts';
import { defineJobKind } from '../kind.ts';

interface Input {
  stack: Stack;
  candidates: number[];
  config: TrainingConfigInput;
}

export const job = defineJobKind('autok', {
  prepare(params, main): Input {
    const stack = main.stacks.get(params.stackId);
    const kMax = Math.max(...params.candidates);
    if (stack.depth < kMax + 2) throw new UserError(`${stack.meta.name} has ${stack.depth} planes: too few to compare K up to ${kMax}`);
    const side = Math.min(stack.height, stack.width);
    const patch = Math.max(8, Math.min(64, Math.floor(side / 2 / 4) * 4));
    const config: TrainingConfigInput = params.config ?? {
      widthScale: 0.25,
      epochs: 3,
      stepsPerEpoch: 30,
      batch: 4,
      patch,
      valFraction: 0.2,
      normalise: stack.meta.flavour === 'nifti' ? 'mri' : 'percentile',
      augment: stack.meta.flavour === 'nifti' ? 'translate' : 'rot-flip',
      engine: 'tfjs',
    };
    return { stack, candidates: params.candidates, config };
  },

  async run(input, ctx) {
    const { chooseNeighbours } = await import('../../../science/autok.ts');
    const { stack } = input;
    let done = 0;
    ctx.progress(0, `trying K = ${input.candidates.join(', ')}`);
    const r = await chooseNeighbours({
      config: input.config,
      volumes: [{ depth: stack.depth, height: stack.height, width: stack.width, a: stack.data }],
      candidates: input.candidates,
      signal: ctx.signal,
      log: (line) => {
        ctx.log(line);
        // One line per finished candidate: the only progress the science module reports.
        if (/K\s*=?\s*\d/.test(line)) ctx.progress(Math.min(0.99, ++done / input.candidates.length), line.slice(0, 120));
      },
    });
    return { best: r.best, curve: r.curve };
  },

  finish(out) {
    return out;
  },
});
