/**
 * The 'segment' job through the app core (worker thread, shared-memory stacks): labels come back
 * as a stack marked meta.labels with the source's metadata; a reference labels stack gives the
 * agreement; a labels TIFF imports as an overlay and an intensity TIFF is refused in one line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppCore } from '../../../main/app/core.ts';
import { memoryLogger } from '../../../main/app/log.ts';
import { writeStack } from '../../../main/io/index.ts';
import { labelsToStack } from '../../../main/segment/labels.ts';
import { makeStack } from '../../../shared/stack.ts';
import { syntheticNuclei } from './synthetic-nuclei.ts';

test('segment job: labels stack over its source, agreement with a reference, labels TIFF import', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-segjob-'));
  const core = createAppCore({ mode: 'bridge', version: 'test', userDataDir: dir, roots: [dir], log: memoryLogger(), jobs: { progressIntervalMs: 0 } });
  try {
    const g = syntheticNuclei({ seed: 5, depth: 3, height: 48, width: 64, pairs: 1, singles: 3 });
    const voxelSize = { z: 2, y: 0.5, x: 0.5, unit: 'micron' };
    const src = makeStack(g.depth, g.height, g.width, g.clean, { name: 'clean.tif', voxelSize, dtype: 'uint16' });
    const info = core.services.stacks.add(src, 'primary');
    const truth = core.services.stacks.add(labelsToStack(g.labels, g.count, src, 'truth'), 'result');
    assert.equal(truth.meta.labels, true);

    // Plane by plane: the touching pair of this 3-plane stack has a neck whose 3-D distance-map
    // dynamic is below h = 1 (the 3-D default is measured in segment-3d.test.ts).
    const id = await core.jobs.start('segment', { stackId: info.stackId, options: { minSize: 20, mode: '2d' }, referenceLabelsId: truth.stackId });
    const done = await core.jobs.wait(id);
    assert.equal(done.state, 'done', JSON.stringify(done.error));
    const r = done.result as { labels: { stackId: string; meta: { labels?: boolean; dtype: string; voxelSize: typeof voxelSize } }; count: number; agreement: { f1: number; dice: number }; perPlane: unknown[] };
    assert.equal(r.labels.meta.labels, true);
    assert.equal(r.labels.meta.dtype, 'uint16');
    assert.deepEqual(r.labels.meta.voxelSize, voxelSize);
    assert.ok(r.agreement.f1 >= 0.9 && r.agreement.dice >= 0.9, JSON.stringify(r.agreement));
    assert.equal(r.perPlane.length, 3);
    const labels = core.services.stacks.get(r.labels.stackId);
    assert.equal(new Set(labels.data.filter((v) => v > 0)).size, r.count);

    // Import: a labels TIFF written by n2s, then an intensity (float) TIFF that must be refused.
    await writeStack(join(dir, 'labels.tif'), labels);
    const imp = await core.jobs.wait(await core.jobs.start('segment', { stackId: info.stackId, importPath: join(dir, 'labels.tif') }));
    assert.equal(imp.state, 'done', JSON.stringify(imp.error));
    assert.equal((imp.result as { count: number }).count, r.count);
    await writeStack(join(dir, 'float.tif'), makeStack(g.depth, g.height, g.width, g.clean, { name: 'float.tif', voxelSize }));
    const bad = await core.jobs.wait(await core.jobs.start('segment', { stackId: info.stackId, importPath: join(dir, 'float.tif') }));
    assert.equal(bad.state, 'error');
    assert.match(bad.error!.message, /is not a labels image/);
    assert.doesNotMatch(bad.error!.message, /\n/);
  } finally {
    await core.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
