/**
 * The denoise workflow refuses bad requests before any work, with typed errors (no adapter matches
 * message text): an existing output (checked before the model is even read), tiles that do not fit
 * the network, a folder that is not a model, too few planes, a second copy of another shape.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeStack } from '../../../main/io/index.ts';
import { denoise, denoiseStacks } from '../../../main/workflows/denoise.ts';
import { InputMismatchError, InvalidRequestError, ModelFolderError, TileSizeError, UserError } from '../../../main/errors.ts';
import { tmp, tinyModel, noisyVolume } from '../shard/fixtures.ts';

let dir = '';
let model = '';
let input = '';
before(async () => {
  dir = tmp('refusals');
  model = await tinyModel(join(dir, 'model'));
  input = join(dir, 'in.tif');
  await writeStack(input, noisyVolume(4, 24, 24, 1, 'in.tif'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('an existing output is refused before the model is read', async () => {
  const out = join(dir, 'exists.tif');
  writeFileSync(out, 'the user\'s file');
  // The model folder does not exist: the refusal must be about the output, i.e. come first.
  await assert.rejects(denoise({ modelDir: join(dir, 'no-model'), input, output: out }), (e: unknown) => e instanceof UserError && /already exists/.test((e as Error).message));
  await assert.rejects(denoise({ modelDir: model, input, output: input, overwrite: true }), (e: unknown) => e instanceof UserError && /input/.test((e as Error).message));
});

test('typed refusals: tiles, model folder, planes, copy shape, request ranges', async () => {
  const out = join(dir, 'out.tif');
  await assert.rejects(denoise({ modelDir: model, input, output: out, tile: 8, overlap: 32 }), TileSizeError);
  await assert.rejects(denoise({ modelDir: dir, input, output: out }), ModelFolderError);
  await assert.rejects(denoise({ modelDir: model, input, output: out, tile: 4 }), (e: unknown) => e instanceof InvalidRequestError && e.field === 'tile');
  const two = noisyVolume(2, 24, 24, 2, 'two.tif');
  await assert.rejects(denoiseStacks({ modelDir: model, engine: 'tfjs', backend: 'cpu' }, { stack: two }), (e: unknown) => e instanceof InputMismatchError && /two\.tif has 2 planes; this model \(self-supervised, K=1\) needs at least 3/.test((e as Error).message));
  const a = noisyVolume(4, 24, 24, 3, 'a.tif');
  const b = noisyVolume(4, 24, 20, 4, 'b.tif');
  await assert.rejects(denoiseStacks({ modelDir: model, engine: 'tfjs', backend: 'cpu' }, { stack: a, copy: b }), InputMismatchError);
});
