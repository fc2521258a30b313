/**
 * Training step (batch 4, 128², Adam) of both U-Nets at full width in three engines, in ONE run and
 * interleaved round by round, so all three see the same machine load: the ONNX training graph in
 * onnxruntime-node (CPU provider), the tfjs engine on tfjs-backend-wasm, and PyTorch on the CPU
 * (bench/pytorch_train.py, Debian's /usr/bin/python3). Prints a table and writes
 * bench/results/onnx-train.json. Target (issue 19): ONNX Runtime ≤ 1.0× PyTorch's step time.
 *
 *   node --import tsx bench/onnx-train.ts [--rounds 4] [--steps 3] [--tfjs-steps 1] [--no-tfjs]
 *                                        [--filter-grad shift|shift-slices|im2col|windows|conv] [--threads 2]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { type ArchOptions, buildArch } from '../shared/model/arch.ts';
import { initWeights } from '../shared/model/init.ts';
import { createRng } from '../shared/random.ts';
import type { FilterGradLayout } from '../main/engine/onnx/train/grad-rules.ts';
import { OnnxTrainEngine } from '../main/engine/onnx/train/index.ts';
import { type Batch, DEFAULT_ADAM, type TrainEngine } from '../main/engine/types.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
};
const ROUNDS = Number(arg('rounds', '4'));
const STEPS = Number(arg('steps', '3'));
const TFJS_STEPS = Number(arg('tfjs-steps', '1'));
const WITH_TFJS = !process.argv.includes('--no-tfjs');
const FILTER_GRAD = arg('filter-grad', 'shift') as FilterGradLayout;
const THREADS = Number(arg('threads', '2'));
const BATCH = 4;
const SIZE = 128;

const NETS: { label: string; arch: ArchOptions }[] = [
  { label: 'CSBDeep U-Net (2 planes, 32/64/128)', arch: { arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1] } },
  { label: 'Noise2Noise U-Net (4 planes, 48/96, 5 pools)', arch: { arch: 'n2n', inChannels: 4 } },
];

function randomBatch(cin: number, seed: number): Batch {
  const rng = createRng(seed);
  const x = new Float32Array(BATCH * SIZE * SIZE * cin).map(() => rng.normal());
  const y = new Float32Array(BATCH * SIZE * SIZE).map(() => rng.normal());
  return { x, y, n: BATCH, h: SIZE, w: SIZE, cin };
}

const median = (a: number[]) => {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** PyTorch in a child process that runs N steps per request (see bench/pytorch_train.py). */
async function startTorch(specJson: string): Promise<{ run(n: number): Promise<{ times: number[]; cpu: number[] }>; info: string; close(): void }> {
  const child = spawn('/usr/bin/python3', ['bench/pytorch_train.py', String(BATCH), String(SIZE), String(THREADS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const queue: ((l: string) => void)[] = [];
  lines.on('line', (l) => queue.shift()?.(l));
  const next = () => new Promise<string>((resolve) => queue.push(resolve));
  child.stdin.write(`${specJson}\n`);
  const ready = JSON.parse(await next()) as { threads: number; torch: string };
  return {
    info: `torch ${ready.torch}, ${ready.threads} threads`,
    async run(n) {
      child.stdin.write(`${n}\n`);
      return JSON.parse(await next()) as { times: number[]; cpu: number[] };
    },
    close() {
      child.stdin.end('quit\n');
    },
  };
}

/** Wall seconds per step; process CPU seconds per step go to `cpu` (the engine runs in this thread). */
async function timeSteps(e: TrainEngine, b: Batch, n: number, cpu: number[] = []): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await e.step(b, 1e-3);
    out.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return out;
}

interface Row {
  net: string;
  onnx: number;
  tfjsWasm: number | null;
  pytorch: number;
  onnxOverPytorch: number;
  tfjsOverPytorch: number | null;
  /** Median process CPU seconds per step (all threads); with --threads 1 the work itself, robust to load. */
  cpu: { onnx: number; pytorch: number; onnxOverPytorch: number };
  /** Fastest step of each engine: under machine load, noise only ever adds time. */
  best: { onnx: number; tfjsWasm: number | null; pytorch: number; onnxOverPytorch: number };
  samples: { onnx: number[]; tfjsWasm: number[]; pytorch: number[]; onnxCpu: number[]; pytorchCpu: number[] };
}

async function benchNet(label: string, o: ArchOptions): Promise<Row> {
  const spec = buildArch(o);
  const weights = initWeights(spec, 0);
  const b = randomBatch(spec.inChannels, 1);
  const onnx = new OnnxTrainEngine({ filterGrad: FILTER_GRAD, threads: THREADS });
  await onnx.init(spec, weights, { adam: DEFAULT_ADAM, provider: 'cpu', maxBatch: BATCH, patch: SIZE });
  await timeSteps(onnx, b, 1); // warm-up
  let tfjs: TrainEngine | null = null;
  if (WITH_TFJS) {
    const { TfjsTrainEngine } = await import('../main/engine/tfjs/engine.ts');
    tfjs = new TfjsTrainEngine();
    await tfjs.init(spec, weights, { adam: DEFAULT_ADAM, backend: 'wasm', maxBatch: BATCH, patch: SIZE });
    await timeSteps(tfjs, b, 1);
  }
  const torch = await startTorch(JSON.stringify(spec));
  const samples = { onnx: [] as number[], tfjsWasm: [] as number[], pytorch: [] as number[], onnxCpu: [] as number[], pytorchCpu: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    samples.onnx.push(...(await timeSteps(onnx, b, STEPS, samples.onnxCpu)));
    const t = await torch.run(STEPS);
    samples.pytorch.push(...t.times);
    samples.pytorchCpu.push(...t.cpu);
    if (tfjs) samples.tfjsWasm.push(...(await timeSteps(tfjs, b, TFJS_STEPS)));
    process.stderr.write(`  ${label}: round ${r + 1}/${ROUNDS}\n`);
  }
  torch.close();
  onnx.dispose();
  tfjs?.dispose();
  const m = { onnx: median(samples.onnx), pytorch: median(samples.pytorch), tfjs: tfjs ? median(samples.tfjsWasm) : null };
  return {
    net: label,
    onnx: m.onnx,
    tfjsWasm: m.tfjs,
    pytorch: m.pytorch,
    onnxOverPytorch: m.onnx / m.pytorch,
    tfjsOverPytorch: m.tfjs === null ? null : m.tfjs / m.pytorch,
    cpu: { onnx: median(samples.onnxCpu), pytorch: median(samples.pytorchCpu), onnxOverPytorch: median(samples.onnxCpu) / median(samples.pytorchCpu) },
    best: {
      onnx: Math.min(...samples.onnx),
      tfjsWasm: tfjs ? Math.min(...samples.tfjsWasm) : null,
      pytorch: Math.min(...samples.pytorch),
      onnxOverPytorch: Math.min(...samples.onnx) / Math.min(...samples.pytorch),
    },
    samples,
  };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const n of NETS) rows.push(await benchNet(n.label, n.arch));
  const fmt = (v: number | null) => (v === null ? '—' : `${v.toFixed(3)} s`);
  const ratio = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)}×`);
  console.log(`\nTraining step, batch ${BATCH}, ${SIZE}², Adam; medians of interleaved rounds (filter gradient: ${FILTER_GRAD})`);
  console.log('| network | ONNX Runtime (cpu) | tfjs-wasm | PyTorch CPU | ORT / PyTorch | tfjs / PyTorch | ORT / PyTorch, fastest steps | ORT / PyTorch, CPU seconds |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.net} | ${fmt(r.onnx)} | ${fmt(r.tfjsWasm)} | ${fmt(r.pytorch)} | ${ratio(r.onnxOverPytorch)} | ${ratio(r.tfjsOverPytorch)} | ${ratio(r.best.onnxOverPytorch)} (${fmt(r.best.onnx)} / ${fmt(r.best.pytorch)}) | ${ratio(r.cpu.onnxOverPytorch)} (${fmt(r.cpu.onnx)} / ${fmt(r.cpu.pytorch)}) |`);
  }
  const result = {
    date: new Date().toISOString(),
    batch: BATCH,
    size: SIZE,
    threads: THREADS,
    filterGrad: FILTER_GRAD,
    rounds: ROUNDS,
    stepsPerRound: STEPS,
    target: 'ORT step ≤ 1.0× PyTorch (issue 19)',
    rows,
  };
  mkdirSync('bench/results', { recursive: true });
  const file = THREADS === 2 ? 'bench/results/onnx-train.json' : `bench/results/onnx-train-t${THREADS}.json`;
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ ...result, loadAverage: loadavg() }, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  console.log(`written ${file} (load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}: other processes share the cores, compare ratios)`);
}

await main();
