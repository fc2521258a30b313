/** Numbers as shown to people (issue 17): no float tails, usual unit symbols. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, formatValue, formatVoxelSize, num, unitSymbol } from '../../../renderer/state/format.ts';

test('voxel sizes read as the microscope says them', () => {
  assert.equal(formatVoxelSize({ z: 2, y: 0.6499999999999999, x: 0.6499999999999999, unit: 'micron' }), '2 × 0.65 × 0.65 µm');
  assert.equal(formatVoxelSize({ z: 1, y: 1, x: 1, unit: 'mm' }), '1 × 1 × 1 mm');
  assert.equal(unitSymbol('um'), 'µm');
  assert.equal(unitSymbol('parsec'), 'parsec');
});

test('values keep four significant digits, integers stay integers, extremes go exponential', () => {
  assert.equal(num(20.29726), '20.3');
  assert.equal(num(41.599999999), '41.6');
  assert.equal(num(0), '0');
  assert.equal(num(1234567), '1.235e+6');
  assert.equal(num(0.00001234), '1.234e-5');
  assert.equal(num(Number.NaN), '–');
  assert.equal(formatValue(108), '108');
  assert.equal(formatValue(108.1234), '108.1');
  assert.equal(formatValue(null), 'outside');
});

test('durations read in the largest sensible units', () => {
  assert.equal(formatDuration(8.4), '8 s');
  assert.equal(formatDuration(368), '6 min 08 s');
  assert.equal(formatDuration(9360), '2 h 36 min');
});
