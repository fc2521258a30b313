/**
 * The training graphs are valid ONNX by an independent implementation: Debian's python3-onnx
 * checker (full_check runs shape inference too), for both U-Nets, with and without the N2V mask.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildArch } from '../../../shared/model/arch.ts';
import { buildTrainingGraph } from '../../../main/engine/onnx/train/training-graph.ts';
import { runPython } from '../../helpers/python.ts';

test('training graphs pass onnx.checker (full check) and declare the documented inputs/outputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-onnx-train-'));
  try {
    const files: string[] = [];
    for (const [arch, masked] of [['csbdeep', false], ['n2n', true]] as const) {
      const spec = buildArch({ arch, inChannels: 2, widthScale: 0.125, residualChannels: arch === 'csbdeep' ? [0, 1] : [] });
      const f = join(dir, `${arch}-${masked}.onnx`);
      writeFileSync(f, buildTrainingGraph({ spec, height: 32, width: 32, masked, output: 'step' }));
      files.push(f);
    }
    const out = runPython(
      `import sys, json, onnx
res = []
for f in sys.argv[1:]:
    m = onnx.load(f)
    onnx.checker.check_model(m, full_check=True)
    res.append({"inputs": [i.name for i in m.graph.input], "outputs": [o.name for o in m.graph.output]})
print(json.dumps(res))`,
      files,
    );
    const res = JSON.parse(out) as { inputs: string[]; outputs: string[] }[];
    assert.deepEqual(res[0].inputs, ['x', 'y', 'params', 'adam_m', 'adam_v', 'adam_c1', 'adam_c2', 'lr']);
    assert.deepEqual(res[1].inputs, ['x', 'y', 'mask', 'params', 'adam_m', 'adam_v', 'adam_c1', 'adam_c2', 'lr']);
    for (const r of res) assert.deepEqual(r.outputs, ['loss', 'params_new', 'adam_m_new', 'adam_v_new']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
