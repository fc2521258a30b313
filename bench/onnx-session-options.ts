/**
 * ONNX Runtime session options for inference, measured in one process and interleaved run by run
 * (so both see the same machine load): wall and process-CPU seconds per megapixel and peak RSS
 * growth for each option set, on a whole plane of the CSBDeep U-Net.
 *   node --import tsx bench/onnx-session-options.ts [size] [rounds]
 */
import * as ort from 'onnxruntime-node';
import { buildArch } from '../shared/model/arch.ts';
import { initWeights } from '../shared/model/init.ts';
import { buildForwardModel, INPUT_NAME } from '../main/engine/onnx/forward.ts';

const size = Number(process.argv[2] ?? '1024');
const rounds = Number(process.argv[3] ?? '3');
const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1] });
const model = buildForwardModel(spec, initWeights(spec, 0), { layout: 'nhwc' });
const base: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 };
const variants: Record<string, ort.InferenceSession.SessionOptions> = {
  default: {},
  'no-mem-pattern': { enableMemPattern: false },
  'no-spin': { enableMemPattern: false, extra: { session: { 'intra_op.allow_spinning': '0' } } },
  'opt-extended': { enableMemPattern: false, graphOptimizationLevel: 'extended' },
};
const sessions = new Map<string, ort.InferenceSession>();
for (const [k, v] of Object.entries(variants)) sessions.set(k, await ort.InferenceSession.create(model, { ...base, ...v }));
const x = new ort.Tensor('float32', new Float32Array(size * size * 2).map(Math.random), [1, size, size, 2]);
const stats = new Map<string, { wall: number[]; cpu: number[] }>();
for (const [k, s] of sessions) {
  await s.run({ [INPUT_NAME]: x });
  stats.set(k, { wall: [], cpu: [] });
}
const mp = (size * size) / 2 ** 20;
for (let r = 0; r < rounds; r++) {
  for (const [k, s] of sessions) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await s.run({ [INPUT_NAME]: x });
    const c = process.cpuUsage(c0);
    stats.get(k)?.wall.push((performance.now() - t0) / 1000 / mp);
    stats.get(k)?.cpu.push((c.user + c.system) / 1e6 / mp);
  }
}
const min = (a: number[]) => Math.min(...a);
console.log(`${size}² plane, s per Mpx (fastest of ${rounds}), interleaved`);
for (const [k, v] of stats) console.log(`${k.padEnd(16)} wall ${min(v.wall).toFixed(3)}  cpu ${min(v.cpu).toFixed(3)}`);
