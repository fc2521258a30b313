/**
 * The whole-hyperstack paths of n2s train and n2s denoise (docs/hyperstacks.md): taken when the
 * input has several channels or time points, when the model is a hyperstack model, or when
 * --channels / --neighbour-axis ask for them.
 */
import { emitJson } from './command.ts';
import { UserError } from '../errors.ts';
import type { DenoiseRequestInput } from '../../shared/config/denoise.ts';
import type { TrainFilesRequestInput } from '../../shared/config/train-request.ts';
import { ChannelsMode, NeighbourAxis } from '../../shared/config/hyperstack-request.ts';
import type { WorkflowEvent } from '../../shared/workflow-events.ts';
import { oneOf } from './flags.ts';
import { endProgressLine } from './render.ts';

/** The flags both commands add for hyperstacks. */
export const HYPERSTACK_FLAGS = {
  'neighbour-axis': { type: 'string' },
  'neighbor-axis': { type: 'string' },
} as const;

export function neighbourAxisFlag(f: { 'neighbour-axis'?: string; 'neighbor-axis'?: string }): 'z' | 't' | undefined {
  if (f['neighbour-axis'] !== undefined && f['neighbor-axis'] !== undefined) throw new UserError('give --neighbour-axis or --neighbor-axis, not both');
  const v = f['neighbour-axis'] ?? f['neighbor-axis'];
  return oneOf(v, f['neighbor-axis'] !== undefined ? 'neighbor-axis' : 'neighbour-axis', NeighbourAxis.options);
}

export function channelsFlag(v: string | undefined): 'per-channel' | 'joint' | undefined {
  return oneOf(v, 'channels', ChannelsMode.options);
}

/** Whether a file (not a folder of files) holds several channels or time points. */
async function isHyperstackFile(input: string): Promise<boolean> {
  const { inputKind } = await import('../workflows/denoise.ts');
  if ((await inputKind(input)) === 'folder') return false;
  const { openHyperstack } = await import('../io/hyperstack.ts');
  let src;
  try {
    src = await openHyperstack(input);
  } catch {
    // Not readable as a whole: the single-stack path reports the problem in its own words.
    return false;
  }
  await src.close();
  return src.meta.channels > 1 || src.meta.times > 1;
}

/** Whether n2s train takes the hyperstack path. */
export async function trainsWhole(input: string, asked: boolean): Promise<boolean> {
  return asked || (await isHyperstackFile(input));
}

/** Whether n2s denoise takes the hyperstack path. */
export async function denoisesWhole(input: string, modelDir: string, asked: boolean): Promise<boolean> {
  if (asked) return true;
  const { readHyperstackManifest } = await import('../engine/hyperstack-model.ts');
  if (await readHyperstackManifest(modelDir).catch(() => undefined)) return true;
  return isHyperstackFile(input);
}

export async function trainWhole(
  request: TrainFilesRequestInput,
  opts: { channels?: 'per-channel' | 'joint'; neighbourAxis?: 'z' | 't'; json: boolean; signal: AbortSignal; onEvent: (e: WorkflowEvent) => void },
): Promise<number> {
  if (request.copy || request.clean || request.background) {
    throw new UserError('--copy, --clean and --background are for single stacks; a hyperstack trains self-supervised on all its channels and time points');
  }
  const { trainHyperstackFromFile } = await import('../workflows/hyperstack-train.ts');
  const r = await trainHyperstackFromFile(
    { input: request.input, out: request.out, overwrite: request.overwrite, config: request.config, ...(request.time !== undefined ? { time: request.time } : {}), ...(opts.channels ? { channels: opts.channels } : {}), ...(opts.neighbourAxis ? { neighbourAxis: opts.neighbourAxis } : {}) },
    { signal: opts.signal, onEvent: opts.onEvent },
  );
  // Stopped between channels, no entry says so: the signal does.
  const cancelled = opts.signal.aborted || r.entries.some((e) => e.outcome.cancelled);
  const entries = r.entries.map((e) => ({ channels: e.channels, names: e.names, dir: e.dir, bestEpoch: e.outcome.bestEpoch, bestValLoss: e.outcome.bestValLoss, verdict: e.outcome.verdict }));
  if (opts.json) emitJson({ type: 'result', model: r.modelDir, kind: 'hyperstack', channels: r.manifest.channels, neighbourAxis: r.manifest.neighbourAxis, entries, cancelled });
  else {
    const of = r.manifest.channels === 'per-channel' && r.entries.length < r.manifest.inputChannels ? ` of ${r.manifest.inputChannels} (stopped)` : '';
    process.stdout.write(`saved ${r.manifest.channels === 'joint' ? 'a joint model' : `${r.entries.length}${of} per-channel model${r.entries.length === 1 && !of ? '' : 's'}`} (neighbours along ${r.manifest.neighbourAxis}) to ${r.modelDir}\n`);
    for (const e of r.entries) process.stdout.write(`  ${e.dir}${e.names ? ` (${e.names.join(', ')})` : ''}: best epoch ${e.outcome.bestEpoch}; ${e.outcome.verdict.sentence}\n`);
  }
  return cancelled ? 130 : 0;
}

export async function denoiseWhole(request: DenoiseRequestInput, neighbourAxis: 'z' | 't' | undefined, json: boolean, onEvent: (e: WorkflowEvent) => void): Promise<number> {
  if (request.copy) throw new UserError('--copy is for single stacks, not whole hyperstacks');
  const { denoiseHyperstack } = await import('../workflows/hyperstack-denoise.ts');
  const { copy: _copy, ...rest } = request;
  const r = await denoiseHyperstack({ ...rest, ...(neighbourAxis ? { neighbourAxis } : {}) }, { onEvent });
  endProgressLine(json);
  const shard = `${r.shard.index}/${r.shard.count}`;
  if (json) emitJson({ type: 'result', kind: 'hyperstack', output: r.output, shard, units: r.units, skipped: r.skipped, planes: r.planes, complete: r.complete, axis: r.axis, seconds: r.seconds, notes: r.notes });
  else {
    for (const n of r.notes) process.stderr.write(`${n}\n`);
    process.stdout.write(`${r.shard.count > 1 ? `shard ${shard}: ` : ''}denoised ${r.planes} planes (every channel and time point, neighbours along ${r.axis}) in ${r.seconds.toFixed(1)} s → ${r.output}${r.complete ? '' : ' (other shards still to run)'}\n`);
  }
  return 0;
}
