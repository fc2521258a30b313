/**
 * The stacks a training job (train, train-estimate) works on, refused at start in the words the
 * Train panel's up-front check uses (shared/config/training-checks.ts), so both jobs agree on what
 * can be trained.
 */
import type { Stack } from '../../../../shared/stack.ts';
import type { TrainingConfig } from '../../../../shared/config/training.ts';
import { trainingInputProblems } from '../../../../shared/config/training-checks.ts';
import { UserError } from '../../../errors.ts';
import type { MainServices } from '../kind.ts';

export interface TrainingStacks {
  stack: Stack;
  copy?: Stack;
  reference?: Stack;
}

export function checkedTrainingStacks(
  params: { stackId: string; copyStackId?: string; referenceStackId?: string; config: TrainingConfig },
  main: MainServices,
): TrainingStacks {
  const stack = main.stacks.get(params.stackId);
  const copy = params.copyStackId ? main.stacks.get(params.copyStackId) : undefined;
  const reference = params.referenceStackId ? main.stacks.get(params.referenceStackId) : undefined;
  const problems = trainingInputProblems(params.config, { name: stack.meta.name, depth: stack.depth, height: stack.height, width: stack.width, hasCopy: Boolean(copy), hasClean: Boolean(reference) });
  if (problems.length > 0) throw new UserError(problems[0].message);
  return { stack, copy, reference };
}
