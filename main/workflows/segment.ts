/**
 * The segment use case: nuclei labels of a stack (main/segment/segment-stack.ts), optionally a
 * reference segmented the same way or reference labels to compare with. `segmentStacks` is the
 * in-memory core (the app's job); `segmentFile` reads, segments and writes (n2s segment).
 * Emits: stage, progress (planes), log.
 */
import { basename } from 'node:path';
import type { Stack } from '../../shared/stack.ts';
import { SegmentFileRequest, SegmentRequest, type SegmentFileRequestInput, type SegmentRequestInput } from '../../shared/config/analysis.ts';
import type { Agreement, PlaneObjectStats } from '../../shared/segmentation/index.ts';
import { InputMismatchError, ModelFolderError, UserError } from '../errors.ts';
import { parseRequest, sameShape, type WorkflowOptions } from './common.ts';

export interface SegmentOutcome {
  /** The labels as a uint16-ready stack (meta.labels) on the source's grid. */
  labels: Stack;
  count: number;
  method: 'classic' | 'model';
  thresholds: number[];
  perPlane: PlaneObjectStats[];
  agreement?: Agreement;
  seconds: number;
}

/** Segments `stack`; `reference` is segmented with the same settings, `referenceLabels` used as is. */
export async function segmentStacks(
  request: SegmentRequestInput,
  input: { stack: Stack; reference?: Stack; referenceLabels?: Stack },
  o: WorkflowOptions = {},
): Promise<SegmentOutcome> {
  const req = parseRequest(SegmentRequest, request);
  const { stack } = input;
  if (input.reference && input.referenceLabels) throw new InputMismatchError('give either a reference stack or reference labels, not both');
  if (input.reference) sameShape(stack, input.reference, `the reference ${input.reference.meta.name}`);
  if (input.referenceLabels) sameShape(stack, input.referenceLabels, `the reference labels ${input.referenceLabels.meta.name}`);
  const { labelsToStack, stackToLabels, LabelsError } = await import('../segment/labels.ts');
  const { segmentStack } = await import('../segment/segment-stack.ts');
  const log = (line: string) => o.onEvent?.({ type: 'log', line });
  let model;
  if (req.modelDir) {
    o.onEvent?.({ type: 'stage', stage: 'load-model', message: 'loading the segmentation model' });
    const { loadSegmentationModel } = await import('../segment/model.ts');
    try {
      model = await loadSegmentationModel(req.modelDir, req.backend, log);
    } catch (e) {
      throw new ModelFolderError(`cannot load the segmentation model in ${req.modelDir}: ${(e as Error).message.split('\n')[0]}`);
    }
    log(`model: tfjs ${model.kind} model on ${model.backend}`);
  }
  try {
    let reference: Uint32Array | undefined;
    if (input.referenceLabels) reference = stackToLabels(input.referenceLabels).labels;
    else if (input.reference) {
      o.onEvent?.({ type: 'stage', stage: 'reference', message: `segmenting the reference ${input.reference.meta.name}` });
      reference = (await segmentStack(input.reference, { options: req.options, model, signal: o.signal })).labels;
    }
    const r = await segmentStack(stack, {
      options: req.options,
      model,
      reference,
      signal: o.signal,
      onProgress: (done, total) => o.onEvent?.({ type: 'progress', stage: 'segmenting plane', done, total }),
    });
    return { labels: labelsToStack(r.labels, r.count, stack), count: r.count, method: r.method, thresholds: r.thresholds, perPlane: r.perPlane, agreement: r.agreement, seconds: r.seconds };
  } catch (e) {
    if (e instanceof LabelsError) throw new UserError(e.message);
    throw e;
  } finally {
    model?.dispose();
  }
}

export interface SegmentFileOutcome extends Omit<SegmentOutcome, 'labels'> {
  output: string;
  options: SegmentRequest['options'];
}

/** Reads the input (and reference), segments, writes the labels as uint16 TIFF. */
export async function segmentFile(request: SegmentFileRequestInput, o: WorkflowOptions = {}): Promise<SegmentFileOutcome> {
  const req = parseRequest(SegmentFileRequest, request);
  const inputs = [req.input, req.reference, req.referenceLabels].filter((p): p is string => Boolean(p));
  const { checkOutputPath } = await import('../io/output-path.ts');
  await checkOutputPath(req.output, { overwrite: req.overwrite, inputs });
  const { readStack, writeStack } = await import('../io/index.ts');
  const readOpts = { channel: req.channel, time: req.time };
  const stack = await readStack(req.input, readOpts);
  o.onEvent?.({ type: 'log', line: `read ${stack.meta.name}: ${stack.depth}×${stack.height}×${stack.width} ${stack.meta.dtype}` });
  const reference = req.reference ? await readStack(req.reference, readOpts) : undefined;
  const referenceLabels = req.referenceLabels ? await readStack(req.referenceLabels, readOpts) : undefined;
  const r = await segmentStacks(req, { stack, reference, referenceLabels }, o);
  o.onEvent?.({ type: 'stage', stage: 'write', message: `writing ${basename(req.output)}` });
  const report = await writeStack(req.output, r.labels, { dtype: 'uint16', overwrite: req.overwrite, protect: inputs });
  const { labels: _labels, ...rest } = r;
  return { ...rest, output: report.path, options: req.options };
}
