/**
 * The train job answers at once (issue 17): a pause or cancel asked for after step k is honoured
 * before step k+2 begins (the job checks before every step), and a checkpoint's preview runs while
 * the compute slots are taken (its own lane), so on a short run it arrives during training.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { makeStack } from '../../../shared/stack.ts';
import type { TrainedModelSummary } from '../../../shared/ipc/job-kinds/train.ts';
import { syntheticNuclei } from '../segmentation/synthetic-nuclei.ts';
import { testCore } from './helpers.ts';

const core = testCore({ cancelGraceMs: 100 });
after(() => core.dispose());
const g = syntheticNuclei({ seed: 5, depth: 6, height: 32, width: 32, pairs: 0, singles: 3 });
const low = core.services.stacks.add(makeStack(6, 32, 32, g.noisy(4, 1), { name: 'low.tif', voxelSize: { z: 2, y: 0.65, x: 0.65, unit: 'micron' }, dtype: 'uint16' }), 'primary');
const tiny = { method: 'n2s', mode: 'self', neighbors: 1, widthScale: 0.125, batch: 2, patch: 16, valFraction: 0.2, backend: 'wasm', engine: 'tfjs' } as const;

async function waitFor(cond: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

test('a pause asked for after step k holds the run by step k+1; cancel likewise', async () => {
  for (const k of [3, 11]) {
    const id = await core.jobs.start('train', { stackId: low.stackId, config: { ...tiny, epochs: 20, stepsPerEpoch: 20 } });
    const step = () => core.jobs.get(id)?.values.step ?? 0;
    await waitFor(() => step() >= k);
    const asked = step();
    assert.ok(core.jobs.pause(id));
    await waitFor(() => core.jobs.get(id)?.state === 'paused');
    // The step that was running when the message came may finish; the next one does not start.
    assert.ok(step() <= asked + 1, `pause asked at step ${asked}, honoured at step ${step()}`);
    const held = step();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(step(), held, 'no steps while paused');
    assert.ok(core.jobs.resume(id));
    await waitFor(() => step() >= held + 2);
    const atCancel = step();
    assert.ok(core.jobs.cancel(id));
    const end = await core.jobs.wait(id);
    assert.equal(end.state, 'cancelled');
    assert.ok((end.values.step ?? 0) <= atCancel + 1, `cancel asked at step ${atCancel}, last step ${end.values.step}`);
  }
});

test('a preview runs while both compute slots are busy (the engine probe, a denoise): its own lane', async () => {
  const trained = await core.jobs.wait(await core.jobs.start('train', { stackId: low.stackId, config: { ...tiny, epochs: 1, stepsPerEpoch: 2 } }));
  assert.equal(trained.state, 'done', JSON.stringify(trained.error));
  const model = trained.result as TrainedModelSummary;
  const busy = [await core.jobs.start('test', { mode: 'busy' }), await core.jobs.start('test', { mode: 'busy' })];
  const queued = await core.jobs.start('test', { mode: 'count', steps: 1 });
  assert.equal(core.jobs.get(queued)?.state, 'queued', 'compute is full');
  const pv = await core.jobs.wait(await core.jobs.start('preview', { stackId: low.stackId, modelDir: model.modelDir, plane: 2 }));
  assert.equal(pv.state, 'done', JSON.stringify(pv.error));
  assert.equal(core.jobs.get(queued)?.state, 'queued', 'the preview took no compute slot');
  for (const id of [...busy, queued]) core.jobs.cancel(id);
  await Promise.all([...busy, queued].map((id) => core.jobs.wait(id)));
  assert.equal(core.jobs.activeWorkers(), 0);
});
