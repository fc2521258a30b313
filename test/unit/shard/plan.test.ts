import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShard, shardFromEnv, filesForShard, chunkRanges, rangesForShard, inputWindow } from '../../../main/shard/plan.ts';
import { sbatchScript, shq, parseSubmitted } from '../../../main/shard/slurm.ts';

test('--shard I/N is parsed and checked', () => {
  assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
  assert.throws(() => parseShard('3/3'), /I must be in 0…2/);
  assert.throws(() => parseShard('1-3'), /I\/N/);
  assert.throws(() => parseShard('0/0'), /N must be ≥ 1/);
});

test('shard index comes from Slurm and Kubernetes environments', () => {
  assert.deepEqual(shardFromEnv({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '5' }), { index: 4, count: 5 });
  // Arrays that do not start at 0 (--array=1-3): the index is relative to the minimum.
  assert.deepEqual(shardFromEnv({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '3' }), { index: 2, count: 3 });
  assert.deepEqual(shardFromEnv({ JOB_COMPLETION_INDEX: '1', N2S_SHARD_COUNT: '2' }), { index: 1, count: 2 });
  assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: '1' }), /N2S_SHARD_COUNT/);
  assert.equal(shardFromEnv({}), undefined);
});

test('files and chunk ranges partition the work exactly once', () => {
  const files = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  for (const n of [1, 2, 3, 5, 9]) {
    const seen = Array.from({ length: n }, (_, i) => filesForShard(files, { index: i, count: n })).flat().sort();
    assert.deepEqual(seen, files);
    const ranges = chunkRanges(23, 4);
    const parts = Array.from({ length: n }, (_, i) => rangesForShard(ranges, { index: i, count: n })).flat();
    assert.deepEqual(parts, ranges);
  }
  assert.deepEqual(filesForShard(files, { index: 1, count: 3 }), ['b', 'e']);
  assert.deepEqual(chunkRanges(10, 4), [{ z0: 0, z1: 4 }, { z0: 4, z1: 8 }, { z0: 8, z1: 10 }]);
  assert.deepEqual(inputWindow({ z0: 4, z1: 8 }, 2, 10), { z0: 2, z1: 10 });
  assert.deepEqual(inputWindow({ z0: 0, z1: 4 }, 2, 10), { z0: 0, z1: 6 });
});

test('sbatch script has one array task per shard and quotes paths', () => {
  const s = sbatchScript({ n2s: '/usr/bin/node /opt/n2s/bin/n2s.mjs', model: '/m', input: '/data/in vol.zarr', output: '/o.zarr', shards: 3, partition: 'gpu', time: '01:00:00', mem: '4G', cpus: 2, logDir: '/logs' });
  assert.match(s, /#SBATCH --array=0-2\n/);
  assert.match(s, /#SBATCH --partition=gpu/);
  assert.match(s, /#SBATCH --cpus-per-task=2/);
  assert.match(s, /--input '\/data\/in vol.zarr'/);
  assert.match(s, /--shard "\$SLURM_ARRAY_TASK_ID\/3"/);
  assert.equal(shq("it's"), `'it'\\''s'`);
  assert.throws(() => sbatchScript({ n2s: 'n2s', model: 'm', input: 'i', output: 'o', shards: 2, partition: 'a;rm -rf /', logDir: 'l' }), /partition/);
  assert.equal(parseSubmitted('Submitted batch job 42\n'), '42');
});
