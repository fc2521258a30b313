import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildArch, channelCounts, weightShapes, defaultResidualChannels } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';

test('CSBDeep U-Net description has the sizes of docs/method.md §3', () => {
  const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: defaultResidualChannels('self', 1) });
  const ch = channelCounts(spec);
  assert.equal(ch.get('down1_conv2'), 32);
  assert.equal(ch.get('middle_conv1'), 128);
  assert.equal(ch.get('up2_cat'), 64 + 64);
  assert.equal(ch.get('up1_cat'), 32 + 32);
  assert.equal(spec.output, 'residual');
  const convs = spec.nodes.filter((n) => n.op === 'conv').length;
  assert.equal(convs, 11);
  assert.deepEqual(weightShapes(spec)[0], { name: 'down1_conv1/kernel', shape: [3, 3, 2, 32] });
});

test('Noise2Noise U-Net has 5 pooling levels and concatenates the input last', () => {
  const spec = buildArch({ arch: 'n2n', inChannels: 5 });
  assert.equal(spec.divisor, 32);
  assert.equal(spec.nodes.filter((n) => n.op === 'maxpool').length, 5);
  assert.equal(channelCounts(spec).get('concat1'), 96 + 5);
  assert.equal(channelCounts(spec).get('concat5'), 48 + 48);
});

test('seeded init is deterministic and Glorot-bounded', () => {
  const spec = buildArch({ arch: 'csbdeep', inChannels: 3, residualChannels: [1] });
  const a = initWeights(spec, 7);
  const b = initWeights(spec, 7);
  const k = a.get('down1_conv1/kernel')!;
  assert.deepEqual(k.data, b.get('down1_conv1/kernel')!.data);
  const limit = Math.sqrt(6 / (9 * 3 + 9 * 32));
  assert.ok(k.data.every((v) => Math.abs(v) <= limit));
  assert.ok(a.get('down1_conv1/bias')!.data.every((v) => v === 0));
});
