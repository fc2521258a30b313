/**
 * Stopping a per-channel hyperstack training keeps what was trained: the finished channels and the
 * one being trained (its best model so far, as a single stack's Ctrl-C) are listed in hyperstack.json,
 * and denoising with that model refuses the untrained channel in words instead of failing inside.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { trainHyperstack } from '../../../main/workflows/hyperstack-train.ts';
import { denoiseHyperstack } from '../../../main/workflows/hyperstack-denoise.ts';
import { writeHyperstack } from '../../../main/io/hyperstack.ts';
import { readHyperstackManifest } from '../../../main/engine/hyperstack-model.ts';
import { InputMismatchError } from '../../../main/errors.ts';
import type { WorkflowEvent } from '../../../shared/workflow-events.ts';
import { tempDir } from '../io/helpers.ts';
import { blobHyperstack } from './helpers.ts';

const CONFIG = { method: 'n2s', mode: 'self', neighbors: 1, widthScale: 0.125, epochs: 2, stepsPerEpoch: 20, batch: 2, patch: 16, normalize: 'none', valFraction: 0.2, seed: 1, engine: 'tfjs' } as const;

async function stopInChannel1(dir: string, afterSteps: number) {
  const h = blobHyperstack({ seed: 4, times: 1, channels: 3, depth: 6, size: 16, sigma: 0.2 });
  const input = join(dir, 'three.tif');
  await writeHyperstack(input, h.noisy);
  const model = join(dir, `model-${afterSteps}`);
  const stop = new AbortController();
  let channel = -1;
  let steps = 0;
  const onEvent = (e: WorkflowEvent): void => {
    if (e.type === 'stage' && e.stage === 'train') channel++;
    if (e.type === 'step' && channel === 1 && ++steps === afterSteps) stop.abort();
  };
  const r = await trainHyperstack({ input, out: model, config: CONFIG }, h.noisy, { signal: stop.signal, onEvent });
  return { r, input, model };
}

test('stopped in channel 1 of 3 after its first epoch: channels 0 and 1 kept; denoise names channel 2', async () => {
  const { dir, cleanup } = tempDir('hyper-stopped');
  try {
    const { r, input, model } = await stopInChannel1(dir, 25);
    assert.deepEqual(r.entries.map((e) => e.channels), [[0], [1]]);
    assert.equal(r.entries[1].outcome.cancelled, true, 'channel 1 was the one stopped (its best model so far kept)');
    const manifest = await readHyperstackManifest(model);
    assert.deepEqual(manifest?.entries.map((e) => e.dir), ['channel-0', 'channel-1']);
    for (const d of ['channel-0', 'channel-1']) assert.ok(existsSync(join(model, d, 'config.json')), `${d} is a model folder`);
    assert.ok(!existsSync(join(model, 'channel-2')), 'nothing for the channel never started');
    await assert.rejects(
      denoiseHyperstack({ modelDir: model, input, output: join(dir, 'out.tif'), tta: false }),
      (e: unknown) => e instanceof InputMismatchError && /no entry for channel 2: its training covered channels 0, 1 of 3/.test(e.message),
    );
    assert.ok(!existsSync(join(dir, 'out.tif')), 'no output from a refused denoise');
  } finally {
    cleanup();
  }
});

test('stopped in channel 1 before its first epoch ended: channel 0 kept and listed', async () => {
  const { dir, cleanup } = tempDir('hyper-stopped-early');
  try {
    const { r, model } = await stopInChannel1(dir, 3);
    assert.deepEqual(r.entries.map((e) => e.channels), [[0]]);
    assert.deepEqual((await readHyperstackManifest(model))?.entries.map((e) => e.dir), ['channel-0']);
  } finally {
    cleanup();
  }
});
