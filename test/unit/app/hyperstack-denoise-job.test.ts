/**
 * One answer whatever the door (issue 18): the app's 'denoise-hyperstack' job on an open
 * hyperstack group gives the same values, channel by channel and time point by time point, as the
 * command line's whole-hyperstack denoise workflow on the file; the result group keeps the
 * channels, their names and colours, the voxel size and the time step, and shows the time point
 * the input showed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { StackStore } from '../../../main/app/stacks/stack-store.ts';
import { job } from '../../../main/app/jobs/kinds/denoise-hyperstack.ts';
import type { JobContext, MainServices } from '../../../main/app/jobs/kind.ts';
import { readHyperstack, writeHyperstack } from '../../../main/io/hyperstack.ts';
import { generateMicroscopyHyperstack } from '../../../main/science/synth-microscopy.ts';
import { denoiseHyperstack } from '../../../main/workflows/hyperstack-denoise.ts';
import type { Hyperstack } from '../../../shared/hyperstack.ts';
import type { StackInfo } from '../../../shared/ipc/stacks.ts';
import { trainTinyModel } from '../../e2e/helpers/model.ts';

test('the app\'s denoise-hyperstack job equals the whole-hyperstack denoise workflow on the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-hyper-job-'));
  const input = join(dir, 'cells.tif');
  const { low } = generateMicroscopyHyperstack({ seed: 4, depth: 6, height: 32, width: 32, channels: 2, times: 3 });
  await writeHyperstack(input, low, { format: 'imagej' });
  const modelDir = await trainTinyModel(dir);

  // The workflow n2s denoise runs on a hyperstack file.
  const output = join(dir, 'cells-denoised.tif');
  await denoiseHyperstack({ input, output, modelDir, dtype: 'float32', engine: 'tfjs', tta: false });
  const expected = await readHyperstack(output);

  // The app: the file's hyperstack held by main as a group, showing time point 1.
  const h: Hyperstack = await readHyperstack(input);
  const stacks = new StackStore();
  const [first] = stacks.addHyperstack(h, 'primary', undefined, undefined, 1);
  const main = { stacks, paths: { assertReadable: (p: string) => p } } as unknown as MainServices;
  const progress: number[] = [];
  const ctx = {
    jobId: 'j1',
    progress: (f: number | null) => void (f !== null && progress.push(f)),
    signal: new AbortController().signal,
    checkpoint: async () => {},
    log: () => {},
  } satisfies JobContext;
  const jobInput = await job.prepare!({ stackId: first.stackId, modelDir, engine: 'tfjs', tta: false }, main, 'j1');
  const out = await job.run(jobInput, ctx);
  const result = (await job.finish!(out, main, 'j1')) as { stacks: StackInfo[]; models: string };

  assert.equal(result.stacks.length, 2);
  assert.equal(result.models, 'one model for all 2 channels');
  assert.deepEqual(result.stacks.map((s) => [s.role, s.hyperstack?.channelName, s.hyperstack?.color, s.hyperstack?.time]), [['result', 'nuclei', '00FFFF', 1], ['result', 'membranes', 'FF00FF', 1]]);
  const got = stacks.group(result.stacks[0].hyperstack!.groupId).hyper;
  assert.deepEqual([got.meta.times, got.meta.channels, got.meta.depth], [3, 2, 6]);
  assert.deepEqual(got.meta.timeIncrement, h.meta.timeIncrement);
  assert.deepEqual(got.meta.voxelSize, h.meta.voxelSize);
  assert.equal(got.data.length, expected.data.length);
  let worst = 0;
  for (let i = 0; i < got.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - expected.data[i]));
  assert.equal(worst, 0, `largest difference between the app's and the workflow's output: ${worst}`);
  // Progress went forward to the end.
  assert.ok(progress.length >= 6 && progress.every((p, i) => i === 0 || p >= progress[i - 1]) && Math.abs(progress.at(-1)! - 1) < 1e-9, `progress ${progress.join(', ')}`);
});

test('along t: the app trains one model per channel on the frames and denoises as n2s denoise does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-hyper-job-t-'));
  const input = join(dir, 'lapse.tif');
  // A time-lapse of 5 frames of 2 planes: too few planes for neighbours along z, enough along t.
  const { low } = generateMicroscopyHyperstack({ seed: 9, depth: 2, height: 32, width: 32, channels: 2, times: 5 });
  await writeHyperstack(input, low, { format: 'imagej' });
  const h = await readHyperstack(input);
  const stacks = new StackStore();
  const [first] = stacks.addHyperstack(h, 'primary');
  const outputDir = join(dir, 'app-out');
  const main = { stacks, paths: { assertReadable: (p: string) => p }, outputDir } as unknown as MainServices;
  const ctx = { jobId: 'jt', progress: () => {}, signal: new AbortController().signal, checkpoint: async () => {}, log: () => {} } satisfies JobContext;

  const { job: train } = await import('../../../main/app/jobs/kinds/train-hyperstack.ts');
  const { TrainingConfig } = await import('../../../shared/config/training.ts');
  const config = TrainingConfig.parse({ method: 'n2s', mode: 'self', neighbours: 1, widthScale: 0.125, epochs: 1, stepsPerEpoch: 2, batch: 2, patch: 16, engine: 'tfjs', backend: 'wasm' });
  const trained = (await train.finish!(await train.run(await train.prepare!({ stackId: first.stackId, config, neighbourAxis: 't' }, main, 'jt'), ctx), main, 'jt')) as { modelDir: string; entries: { channels: number[] }[] };
  assert.deepEqual(trained.entries.map((e) => e.channels), [[0], [1]]);
  assert.ok(trained.modelDir.startsWith(outputDir), 'in the app\'s output folder');
  // Sized by time (the Train tab's default), the budget plans the steps: the panel's 1 × 2 are not kept.
  const budgeted = (await train.finish!(await train.run(await train.prepare!({ stackId: first.stackId, config, neighbourAxis: 't', time: 2 }, main, 'jb'), { ...ctx, jobId: 'jb' }), main, 'jb')) as { modelDir: string };
  const saved = JSON.parse(readFileSync(join(budgeted.modelDir, 'channel-0', 'config.json'), 'utf8')) as { training: { epochs: number; stepsPerEpoch: number } };
  assert.notDeepEqual([saved.training.epochs, saved.training.stepsPerEpoch], [1, 2], 'the budget planned the steps');

  const output = join(dir, 'lapse-denoised.tif');
  await denoiseHyperstack({ input, output, modelDir: trained.modelDir, dtype: 'float32', engine: 'tfjs', tta: false });
  const expected = await readHyperstack(output);
  const jobInput = await job.prepare!({ stackId: first.stackId, modelDir: trained.modelDir, engine: 'tfjs', tta: false }, main, 'jt');
  const result = (await job.finish!(await job.run(jobInput, ctx), main, 'jt')) as { stacks: StackInfo[]; models: string };
  assert.equal(result.models, 'one model per channel');
  const got = stacks.group(result.stacks[0].hyperstack!.groupId).hyper;
  assert.match(got.meta.description ?? '', /neighbours along t/);
  let worst = 0;
  for (let i = 0; i < got.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - expected.data[i]));
  assert.equal(worst, 0, `largest difference between the app's and the workflow's output along t: ${worst}`);
});

test('a joint (all-channel) model denoises in the app as n2s denoise does (it was refused before)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-hyper-job-joint-'));
  const input = join(dir, 'cells.tif');
  const { low } = generateMicroscopyHyperstack({ seed: 5, depth: 6, height: 32, width: 32, channels: 2, times: 2 });
  await writeHyperstack(input, low, { format: 'imagej' });
  const { trainHyperstack } = await import('../../../main/workflows/hyperstack-train.ts');
  const model = join(dir, 'joint-model');
  const h = await readHyperstack(input);
  await trainHyperstack({ input, out: model, channels: 'joint', config: { method: 'n2s', mode: 'self', neighbours: 1, widthScale: 0.125, epochs: 1, stepsPerEpoch: 3, batch: 2, patch: 16, normalise: 'none', seed: 3, engine: 'tfjs' } }, h);

  const output = join(dir, 'cells-denoised.tif');
  await denoiseHyperstack({ input, output, modelDir: model, dtype: 'float32', tta: false });
  const expected = await readHyperstack(output);

  const stacks = new StackStore();
  const [first] = stacks.addHyperstack(h, 'primary');
  const main = { stacks, paths: { assertReadable: (p: string) => p } } as unknown as MainServices;
  const ctx = { jobId: 'jj', progress: () => {}, signal: new AbortController().signal, checkpoint: async () => {}, log: () => {} } satisfies JobContext;
  const out = await job.run(await job.prepare!({ stackId: first.stackId, modelDir: model, tta: false }, main, 'jj'), ctx);
  const result = (await job.finish!(out, main, 'jj')) as { stacks: StackInfo[]; models: string };
  assert.equal(result.models, 'one joint model for all channels');
  const got = stacks.group(result.stacks[0].hyperstack!.groupId).hyper;
  let worst = 0;
  for (let i = 0; i < got.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - expected.data[i]));
  assert.equal(worst, 0, `largest difference between the app's and the workflow's output: ${worst}`);
});
