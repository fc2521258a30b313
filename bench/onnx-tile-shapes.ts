/**
 * ONNX Runtime inference cost per megapixel for several batch/tile shapes of the CSBDeep U-Net
 * (wall and process-CPU seconds, RSS after the runs), to choose predict.ts' default tiling; session
 * options as a JSON second argument, e.g. '{"enableMemPattern":false}'.
 *   node --import tsx bench/onnx-tile-shapes.ts '[[1,1024,1024],[4,512,512]]' '{}'
 */
import * as ort from 'onnxruntime-node';
import { buildArch } from '../shared/model/arch.ts';
import { initWeights } from '../shared/model/init.ts';
import { buildForwardModel, INPUT_NAME } from '../main/engine/onnx/forward.ts';
const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1] });
const model = buildForwardModel(spec, initWeights(spec, 0), { layout: 'nhwc' });
const shapes: [number, number, number][] = JSON.parse(process.argv[2] ?? '[[1,1024,1024],[4,512,512],[2,512,1024],[16,256,256],[1,512,512]]');
const opt = JSON.parse(process.argv[3] ?? '{}');
const s = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3, ...opt });
for (const [n, h, w] of shapes) {
  const x = new ort.Tensor('float32', new Float32Array(n * h * w * 2).map(Math.random), [n, h, w, 2]);
  await s.run({ [INPUT_NAME]: x });
  const walls: number[] = [], cpus: number[] = [];
  for (let i = 0; i < 3; i++) {
    const c0 = process.cpuUsage(); const t0 = performance.now();
    await s.run({ [INPUT_NAME]: x });
    walls.push((performance.now() - t0) / 1000); const c = process.cpuUsage(c0); cpus.push((c.user + c.system) / 1e6);
  }
  const mp = (n * h * w) / 1048576;
  console.log(`${n}x${h}x${w}: wall/Mpx ${(Math.min(...walls) / mp).toFixed(3)} s  cpu/Mpx ${(Math.min(...cpus) / mp).toFixed(3)} s  rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
}
