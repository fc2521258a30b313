/**
 * How fast one 3×3 convolution runs here: chains of four same-width convolutions (constant
 * weights, so ONNX Runtime's CPU provider takes its blocked NCHWc kernels, ReLU fused) at the
 * widths and map sizes of the CSBDeep U-Net on a 1024² plane, each as one whole map and as 256²
 * tiles in a batch (the same pixels), against PyTorch's conv2d on the same shapes in the same run.
 * Each engine's better layout counts. It bounds what any schedule of the direct convolution can
 * gain for `n2s denoise` (docs/engines.md, "Inference is at the convolution's limit").
 *   node --import tsx bench/conv-peak.ts [rounds]   → bench/results/conv-peak.json
 */
import * as ort from 'onnxruntime-node';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { GraphBuilder } from '../main/engine/onnx/graph-builder.ts';

const rounds = Number(process.argv[2] ?? '5');
const THREADS = 2;
const LAYERS = 4;
const CASES = [
  { c: 32, size: 1024 },
  { c: 64, size: 512 },
  { c: 128, size: 256 },
];
const TILE = 256;
/** [batch, side] of the two layouts of a case: the whole map, and 256² tiles of it. */
const layouts = (size: number): [number, number][] => [[1, size], [(size / TILE) ** 2, TILE]];

function chain(c: number, n: number, size: number): Uint8Array {
  const g = new GraphBuilder('conv_chain');
  g.addInput('x', [n, c, size, size]);
  let v = 'x';
  for (let l = 0; l < LAYERS; l++) {
    const w = g.addInitializer(`w${l}`, [c, c, 3, 3], new Float32Array(c * c * 9).map(() => (Math.random() - 0.5) * 0.1));
    const b = g.addInitializer(`b${l}`, [c], new Float32Array(c));
    v = g.op('Relu', [g.op('Conv', [v, w, b], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })]);
  }
  g.addNode('Identity', [v], ['y']);
  g.addOutput('y', [n, c, size, size]);
  return g.toBytes(17);
}

const med = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
const flops = (c: number, size: number) => 2 * c * c * 9 * size * size * LAYERS;

const rows: { case: string; ortSeconds: number; ortLayout: string; ortGflops: number; torchSeconds: number | null; torchLayout: string | null; torchGflops: number | null; ratio: number | null }[] = [];
const torch = spawnSync(
  '/usr/bin/python3',
  [
    '-c',
    `import json, sys, time, torch
torch.set_num_threads(${THREADS})
out = {}
for c, n, s in ${JSON.stringify(CASES.flatMap((k) => layouts(k.size).map(([n, side]) => [k.c, n, side])))}:
    x = torch.rand(n, c, s, s)
    convs = [torch.nn.Conv2d(c, c, 3, padding=1) for _ in range(${LAYERS})]
    ts = []
    with torch.no_grad():
        for r in range(${rounds} + 1):
            t0 = time.perf_counter(); y = x
            for m in convs: y = torch.relu(m(y))
            ts.append(time.perf_counter() - t0)
    out[f"{c}x{n}x{s}"] = sorted(ts[1:])[len(ts[1:]) // 2]
print(json.dumps(out))`,
  ],
  { encoding: 'utf8' },
);
const torchTimes = torch.status === 0 ? (JSON.parse(torch.stdout) as Record<string, number>) : {};
if (torch.status !== 0) console.error(`PyTorch peer unavailable: ${torch.stderr.split('\n').filter(Boolean).at(-1)}`);

/** The better of the two layouts: [seconds, layout]. */
const best = (times: [number, string][]): [number, string] => times.reduce((a, b) => (b[0] < a[0] ? b : a));
const layoutName = (n: number, side: number) => (n === 1 ? `whole ${side}²` : `${n}× ${side}²`);
for (const { c, size } of CASES) {
  const ortTimes: [number, string][] = [];
  for (const [n, side] of layouts(size)) {
    const s = await ort.InferenceSession.create(chain(c, n, side), { graphOptimizationLevel: 'all', intraOpNumThreads: THREADS });
    const x = new ort.Tensor('float32', new Float32Array(n * c * side * side).map(Math.random), [n, c, side, side]);
    await s.run({ x });
    const ts: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      await s.run({ x });
      ts.push((performance.now() - t0) / 1000);
    }
    await s.release();
    ortTimes.push([med(ts), layoutName(n, side)]);
  }
  const [t, ortLayout] = best(ortTimes);
  const torchRows = layouts(size).flatMap(([n, side]): [number, string][] => {
    const v = torchTimes[`${c}x${n}x${side}`];
    return v === undefined ? [] : [[v, layoutName(n, side)]];
  });
  const [tt, torchLayout] = torchRows.length ? best(torchRows) : [null, null];
  rows.push({
    case: `${LAYERS}× conv ${c}→${c} 3×3, ${size}² pixels`,
    ortSeconds: t,
    ortLayout,
    ortGflops: flops(c, size) / t / 1e9,
    torchSeconds: tt,
    torchLayout,
    torchGflops: tt ? flops(c, size) / tt / 1e9 : null,
    ratio: tt ? t / tt : null,
  });
}

console.log(`CPU: ${cpus()[0]?.model.trim()}, ${THREADS} threads`);
console.log('| convolutions | ONNX Runtime | GFLOP/s | PyTorch | GFLOP/s | time ratio |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const torchCell = r.torchSeconds ? `${(r.torchSeconds * 1000).toFixed(0)} ms (${r.torchLayout})` : '—';
  console.log(`| ${r.case} | ${(r.ortSeconds * 1000).toFixed(0)} ms (${r.ortLayout}) | ${r.ortGflops.toFixed(0)} | ${torchCell} | ${r.torchGflops?.toFixed(0) ?? '—'} | ${r.ratio?.toFixed(2) ?? '—'}× |`);
}
const out = new URL('./results/conv-peak.json', import.meta.url);
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), threads: THREADS, rounds, cpu: cpus()[0]?.model.trim(), rows, loadAverage: loadavg() }, null, 1) + '\n');
console.log(`wrote ${out.pathname}`);
