/** Issue 16: a large job says its size before the work and its remaining time as it runs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeWorkload, etaReporter, formatDuration } from '../../../main/io/workload.ts';

test('the size of a job is said up front; 100 000 pages count as large', () => {
  const big = describeWorkload(100_000, 512, 512, 'uint16');
  assert.equal(big.text, '100000 planes of 512×512 uint16 (52.4 GB)');
  assert.equal(big.large, true);
  assert.equal(describeWorkload(10, 64, 64, 'float32').large, false);
  assert.equal(describeWorkload(40, 8192, 8192, 'uint8').large, true);
});

test('the ETA follows the rate after the first planes, then at most every interval', () => {
  let t = 0;
  const eta = etaReporter(100_000, { everyMs: 10_000, now: () => t });
  t = 50;
  assert.equal(eta(1), undefined, 'one plane is too few to estimate');
  t = 1000;
  // 10 planes/s: 99 990 planes left ≈ 2.8 h.
  assert.equal(eta(10), '10/100000 planes (10 planes/s), about 2.8 h left');
  t = 2000;
  assert.equal(eta(20), undefined, 'not again before the interval');
  t = 12_000;
  assert.match(eta(120) ?? '', /^120\/100000 planes \(10 planes\/s\), about 2\.8 h left$/);
  t = 10_000_000;
  assert.equal(eta(100_000), '100000/100000 planes (10 planes/s), done in 2.8 h');
  assert.equal(formatDuration(45), '45 s');
  assert.equal(formatDuration(600), '10 min');
  assert.equal(formatDuration(3 * 86400), '3.0 days');
});
