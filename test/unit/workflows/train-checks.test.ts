/**
 * The training-input checks written once (shared/config/training-checks.ts) and the train
 * workflow's refusals before any training: what the CLI, the app's job and the panels all say.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrainingConfig } from '../../../shared/config/training.ts';
import { trainingInputProblems } from '../../../shared/config/training-checks.ts';
import { trainFitProblems } from '../../../shared/config/train-fit-check.ts';
import { makeStack } from '../../../shared/stack.ts';
import { writeStack } from '../../../main/io/index.ts';
import { trainOnStacks } from '../../../main/workflows/train.ts';
import { InputMismatchError, OutputExistsError } from '../../../main/errors.ts';

const BIN = join(import.meta.dirname, '../../../bin/n2s.mjs');
const dir = mkdtempSync(join(tmpdir(), 'n2s-train-checks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const shape = (depth: number, height = 64, width = 64) => ({ name: 'cells.tif', depth, height, width, hasCopy: false, hasClean: false });
const config = (o: Record<string, unknown>) => TrainingConfig.parse({ patch: 32, ...o });

test('K against the planes, with the largest K that fits, in the app\'s and the CLI\'s words', () => {
  const p = trainingInputProblems(config({ neighbors: 7 }), shape(10));
  assert.equal(p.length, 1);
  assert.deepEqual({ ...p[0], message: undefined }, { field: 'planes', k: 7, need: 15, depth: 10, maxK: 4, message: undefined });
  assert.equal(p[0].message, 'K = 7 needs at least 15 planes (K on each side of a plane), but this stack has 10: choose K ≤ 4.');
  assert.match(trainingInputProblems(config({ neighbors: 7 }), shape(10), 'cli')[0].message, /^cells\.tif has 10 planes; self-supervised training with K=7 needs at least 15; use --neighbours 4 or less$/);
  assert.deepEqual(trainingInputProblems(config({ neighbors: 4 }), shape(10)), []);
  // K = 1 on two planes: no K fits.
  assert.equal(trainingInputProblems(config({ neighbors: 1 }), shape(2))[0].message, 'This stack has 2 planes; Noise2Stack needs at least 3.');
});

test('the panels\' trainFitProblems is a view of the same checks', () => {
  const c = { method: 'n2s', mode: 'self', neighbours: 30, patch: 512 } as const;
  const s = { depth: 10, height: 100, width: 130 };
  assert.deepEqual(trainFitProblems(s, c), trainingInputProblems(c, { ...s, name: 'x', hasCopy: true, hasClean: true }).map((p) => p.message));
});

test('patch against the image, a second copy, a clean reference', () => {
  const p = trainingInputProblems(config({ patch: 64 }), shape(5, 40, 44));
  assert.deepEqual(p.map((x) => x.field), ['patch']);
  assert.equal(p[0].message, 'Patch 64 is larger than the image (40 × 44 pixels): choose a patch of at most 40.');
  assert.match(trainingInputProblems(config({ patch: 64 }), shape(5, 40, 44), 'cli')[0].message, /^--patch 64 is larger than the image \(40×44\); use --patch ≤ 40$/);
  assert.deepEqual(trainingInputProblems(config({ mode: 'copy' }), shape(5)).map((x) => x.field), ['copy']);
  assert.deepEqual(trainingInputProblems(config({ mode: 'copy' }), { ...shape(5), hasCopy: true }), []);
  assert.deepEqual(trainingInputProblems(config({ method: 'n2n', neighbors: 0 }), shape(5)).map((x) => x.field), ['copy']);
  assert.deepEqual(trainingInputProblems(config({ method: 'n2c', mode: 'copy' }), shape(5)).map((x) => x.field), ['clean']);
  // Every problem at once, so a panel can mark each field.
  assert.deepEqual(trainingInputProblems(config({ mode: 'copy', neighbors: 3, patch: 128 }), shape(5)).map((x) => x.field), ['copy', 'planes', 'patch']);
});

test('the train workflow refuses before training: bad inputs, an existing model folder', async () => {
  const stack = makeStack(5, 32, 32, new Float32Array(5 * 32 * 32).map((_, i) => i % 7), { name: 'small.tif' });
  const tiny = { widthScale: 0.125, epochs: 1, stepsPerEpoch: 1, batch: 1, patch: 16, engine: 'tfjs', backend: 'cpu' } as const;
  await assert.rejects(trainOnStacks({ config: { ...tiny, neighbors: 3 }, out: join(dir, 'a') }, { stack }), (e: unknown) => e instanceof InputMismatchError && /needs at least 7/.test((e as Error).message));
  const existing = join(dir, 'model');
  mkdirSync(existing);
  writeFileSync(join(existing, 'config.json'), '{}');
  const t0 = Date.now();
  await assert.rejects(trainOnStacks({ config: tiny, out: existing }, { stack }), (e: unknown) => e instanceof OutputExistsError && /already holds a model; pass --overwrite/.test((e as Error).message));
  assert.ok(Date.now() - t0 < 2000, 'refused at once, not after training');
  // A folder that is not a model is never written into, whatever the flags.
  const user = join(dir, 'notes');
  mkdirSync(user);
  writeFileSync(join(user, 'notes.txt'), 'mine');
  await assert.rejects(trainOnStacks({ config: tiny, out: user, overwrite: true }, { stack }), OutputExistsError);
  assert.equal(readFileSync(join(user, 'notes.txt'), 'utf8'), 'mine');
});

test('n2s train --out EXISTING_MODEL refuses without --overwrite and leaves the model as it was', async () => {
  await writeStack(join(dir, 'noisy.tif'), makeStack(5, 32, 32, new Float32Array(5 * 32 * 32).map((_, i) => (i * 7919) % 101), { name: 'noisy.tif' }));
  const model = join(dir, 'cli-model');
  const args = ['train', '--input', join(dir, 'noisy.tif'), '--out', model, '--width-scale', '0.125', '--epochs', '1', '--steps-per-epoch', '1', '--batch', '1', '--patch', '16', '--engine', 'tfjs', '--backend', 'cpu'];
  const first = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  assert.equal(first.status, 0, first.stderr);
  const before = statSync(join(model, 'weights.bin')).mtimeMs;
  const again = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  assert.equal(again.status, 2, again.stderr);
  assert.equal(again.stderr.trim().split('\n').length, 1, again.stderr);
  assert.match(again.stderr, /^n2s train: error: .*already holds a model; pass --overwrite/);
  assert.equal(statSync(join(model, 'weights.bin')).mtimeMs, before, 'the model is untouched');
  const replaced = spawnSync(process.execPath, [BIN, ...args, '--overwrite', '--neighbors', '1'], { encoding: 'utf8' });
  assert.equal(replaced.status, 0, replaced.stderr);
  // --neighbours and its alias --neighbors name themselves in errors.
  const bad = spawnSync(process.execPath, [BIN, 'train', '--input', join(dir, 'noisy.tif'), '--out', join(dir, 'm2'), '--neighbours', '-1'], { encoding: 'utf8' });
  assert.match(bad.stderr, /^n2s train: error: --neighbours: K must be ≥ 0/);
});

test('one spelling: neighbours and normalise, with the older keys still read (saved model folders)', async () => {
  const c = TrainingConfig.parse({ neighbors: 2, normalize: 'none' });
  assert.equal(c.neighbours, 2);
  assert.equal(c.normalise, 'none');
  assert.ok(!('neighbors' in c) && !('normalize' in c), 'the older keys are not carried on');
  assert.equal(TrainingConfig.parse({}).neighbours, 1);
  assert.equal(TrainingConfig.parse({}).normalise, 'percentile');
  const { readModelConfig } = await import('../../../main/engine/model-store.ts');
  const { tinyModel } = await import('../shard/fixtures.ts');
  const old = await tinyModel(join(dir, 'old-model'));
  // A config.json as saved before the rename.
  const raw = JSON.parse(readFileSync(join(old, 'config.json'), 'utf8')) as { training: Record<string, unknown> };
  const { neighbours, normalise, ...rest } = raw.training;
  raw.training = { ...rest, neighbors: neighbours, normalize: normalise };
  writeFileSync(join(old, 'config.json'), JSON.stringify(raw));
  const back = await readModelConfig(old);
  assert.equal(back.training.neighbours, 1);
  assert.equal(back.training.normalise, 'percentile');
});
