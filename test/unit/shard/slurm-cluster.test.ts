import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeZarr, readZarr } from '../../../main/io/zarr.ts';
import { run as runBatchDenoise } from '../../../main/cli/commands/denoise.ts';
import { tmp, tinyModel, noisyVolume } from './fixtures.ts';

/**
 * A real one-node Slurm cluster (munge, slurmctld, slurmd from Debian, started by
 * scripts/slurm-cluster.sh; installed in CI by scripts/setup.d/slurm.sh). Needs root, as CI has.
 */
const ROOT = join(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/n2s.mjs');
const CLUSTER = join(ROOT, 'scripts/slurm-cluster.sh');
const isRoot = process.getuid?.() === 0;
let state = '';

before(() => {
  if (!isRoot) return;
  state = tmp('slurm-state');
  const r = spawnSync('bash', [CLUSTER, 'start', state], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `cluster did not start: ${r.stdout}${r.stderr}`);
});

after(() => {
  if (state) spawnSync('bash', [CLUSTER, 'stop', state], { encoding: 'utf8' });
});

test('n2s slurm --submit --wait runs a 3-shard array whose output equals the local run', { skip: isRoot ? false : 'needs root to start slurmd' }, async () => {
  const dir = tmp('slurm');
  const model = await tinyModel(join(dir, 'model'));
  const vol = join(dir, 'vol.zarr');
  await writeZarr(vol, noisyVolume(6, 32, 32, 4), { chunks: [1, 32, 32] });
  const local = join(dir, 'local.zarr');
  const quiet = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    assert.equal(await runBatchDenoise(['--model', model, '--input', vol, '--output', local, '--engine', 'onnx']), 0);
  } finally {
    process.stderr.write = quiet;
  }
  const out = join(dir, 'cluster.zarr');
  const r = spawnSync(process.execPath, [BIN, 'slurm', '--model', model, '--input', vol, '--output', out, '--shards', '3', '--engine', 'onnx', '--cpus', '1', '--submit', '--wait', '--json'], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const res = JSON.parse(r.stdout.trim());
  assert.equal(res.submitted, true);
  assert.match(res.jobId, /^\d+$/);
  const st = spawnSync(process.execPath, [BIN, 'status', '--output', out, '--shards', '3', '--json'], { encoding: 'utf8' });
  assert.equal(st.status, 0, st.stdout);
  assert.deepEqual(JSON.parse(st.stdout).shards.map((s: { total: number }) => s.total), [2, 2, 2]);
  assert.deepEqual((await readZarr(out)).data, (await readZarr(local)).data);
});
