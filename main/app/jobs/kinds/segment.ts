/**
 * 'segment' (issue 8): the pure pipeline (or a user's tfjs model) runs in the worker on the shared
 * stack; the labels come back as a stack marked meta.labels, registered in main as a 'result' so
 * the viewer shows it as a labels layer over its source.
 */
import type { SegmentationOptions } from '../../../../shared/segmentation/options.ts';
import type { Stack } from '../../../../shared/stack.ts';
import { UserError } from '../../../errors.ts';
import { defineJobKind } from '../kind.ts';
import { forwardEvents } from './workflow-progress.ts';

interface Input {
  stack: Stack;
  stackId: string;
  options: SegmentationOptions;
  modelDir?: string;
  reference?: Stack;
  importPath?: string;
}

interface Output {
  labels: Stack;
  stackId: string;
  count: number;
  perPlane: { z: number; count: number; meanSize: number; medianSize: number }[];
  agreement?: {
    dice: number;
    f1: number;
    precision: number;
    recall: number;
    tp: number;
    fp: number;
    fn: number;
    perPlane: { z: number; dice: number; f1: number }[];
  };
  thresholds: number[];
  seconds: number;
}

const sameShape = (a: Stack, b: Stack) => a.depth === b.depth && a.height === b.height && a.width === b.width;

export const job = defineJobKind('segment', {
  prepare(params, main): Input {
    const stack = main.stacks.get(params.stackId);
    const reference = params.referenceLabelsId ? main.stacks.get(params.referenceLabelsId) : undefined;
    if (reference && !sameShape(reference, stack)) {
      throw new UserError(`the reference labels are ${reference.depth}×${reference.height}×${reference.width}, the stack ${stack.depth}×${stack.height}×${stack.width}`);
    }
    if (reference && !reference.meta.labels) throw new UserError(`${reference.meta.name} is not a labels stack`);
    return {
      stack,
      stackId: params.stackId,
      options: params.options,
      reference,
      modelDir: params.modelDir ? main.paths.assertReadable(params.modelDir) : undefined,
      importPath: params.importPath ? main.paths.assertReadable(params.importPath) : undefined,
    };
  },

  async run(input, ctx): Promise<Output> {
    const { labelsToStack, stackToLabels, LabelsError } = await import('../../../segment/labels.ts');
    const { planeObjectStats, compareSegmentations } = await import('../../../../shared/segmentation/index.ts');
    const { stack } = input;
    const shape = { depth: stack.depth, height: stack.height, width: stack.width };
    const reference = input.reference ? stackToLabels(input.reference).labels : undefined;
    const summarise = (a: ReturnType<typeof compareSegmentations>): Output['agreement'] => ({
      dice: a.dice,
      f1: a.f1,
      precision: a.precision,
      recall: a.recall,
      tp: a.tp,
      fp: a.fp,
      fn: a.fn,
      perPlane: a.perPlane.map((p) => ({ z: p.z, dice: p.dice, f1: p.f1 })),
    });
    try {
      if (input.importPath) {
        ctx.progress(0, `reading ${input.importPath}`);
        const { readStack } = await import('../../../io/index.ts');
        const file = await readStack(input.importPath);
        if (!sameShape(file, stack)) {
          throw new UserError(`${file.meta.name} is ${file.depth}×${file.height}×${file.width}, the stack ${stack.depth}×${stack.height}×${stack.width}`);
        }
        const { labels, count } = stackToLabels(file);
        const out = labelsToStack(labels, count, stack, 'labels (imported)');
        out.meta.description = file.meta.description ?? out.meta.description;
        return {
          labels: out,
          stackId: input.stackId,
          count,
          perPlane: planeObjectStats(labels, shape),
          agreement: reference ? summarise(compareSegmentations(labels, reference, shape, input.options.mode)) : undefined,
          thresholds: [],
          seconds: 0,
        };
      }
      // The segment workflow: the same pipeline, model loading and agreement as n2s segment.
      const { segmentStacks } = await import('../../../workflows/segment.ts');
      const r = await segmentStacks(
        { options: input.options, modelDir: input.modelDir },
        { stack, referenceLabels: input.reference },
        { signal: ctx.signal, onEvent: forwardEvents(ctx) },
      );
      return {
        labels: r.labels,
        stackId: input.stackId,
        count: r.count,
        perPlane: r.perPlane,
        agreement: r.agreement ? summarise(r.agreement) : undefined,
        thresholds: r.thresholds,
        seconds: r.seconds,
      };
    } catch (e) {
      if (e instanceof LabelsError) throw new UserError(e.message);
      throw e;
    }
  },

  finish(out, main, jobId) {
    const labels = main.stacks.add(out.labels, 'result', jobId);
    return {
      labels,
      sourceStackId: out.stackId,
      count: out.count,
      perPlane: out.perPlane,
      agreement: out.agreement,
      thresholds: out.thresholds,
      seconds: out.seconds,
    };
  },
});
