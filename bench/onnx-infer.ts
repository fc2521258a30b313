/**
 * Inference benchmark of issue 10, in ONE run:
 *  1. one 512² plane through the paper's CSBDeep U-Net (2 planes in, 32/64/128 filters) in ONNX
 *     Runtime (CPU provider, one intra-op thread per core), tfjs on tfjs-backend-wasm and PyTorch
 *     on the CPU (bench/pytorch_infer.py, Debian's /usr/bin/python3), interleaved round by round so
 *     all three see the same machine load; medians and ratios. Target: ORT ≤ 0.5× PyTorch.
 *  2. a synthetic 10×2160×2160 stack denoised through the ONNX predictor and the shared tiled
 *     predictor (predict.ts), in a child process so its peak resident memory is its own.
 *     Goal: ≤ 40 s and < 1.5 GB.
 * Prints a table and writes bench/results/onnx-infer.json.
 *
 *   node --import tsx bench/onnx-infer.ts [--rounds 5] [--size 512] [--no-stack] [--no-plane]
 *                                         [--depth 10] [--hw 2160] [--tile T] [--batch-tiles B]
 * Without --tile/--batch-tiles the stack is denoised twice: with the economical tile for its plane
 * size (one tile per call) and with n2s denoise's defaults (256² tiles, 4 per call).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildArch, type ArchSpec } from '../shared/model/arch.ts';
import { initWeights } from '../shared/model/init.ts';
import { createRng } from '../shared/random.ts';
import { fitNormalisation } from '../main/engine/normalise.ts';
import { createOnnxPredictorFromWeights } from '../main/engine/onnx/predictor.ts';
import { axisTiles, denoiseStack, tileSettings } from '../main/engine/predict.ts';
import type { Predictor } from '../main/engine/types.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
};
const has = (flag: string) => process.argv.includes(`--${flag}`);
const ROUNDS = Number(arg('rounds', '5'));
const SIZE = Number(arg('size', '512'));
const DEPTH = Number(arg('depth', '10'));
const HW = Number(arg('hw', '2160'));
const THREADS = availableParallelism();

const spec: ArchSpec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1] });
const weights = initWeights(spec, 1);

const median = (a: number[]) => {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * The tile (≤ maxTile, multiple of the divisor) that covers `len` with the fewest predicted pixels,
 * given the overlap the receptive field needs: fewer, larger tiles waste less on overlaps. The cap
 * bounds ONNX Runtime's activation memory (a 700² tile of the full-width U-Net peaked at ~0.8 GB).
 */
export function economicalTile(len: number, maxTile = 512): number {
  const { overlap, divisor } = tileSettings(spec);
  let best = { tile: 256, cost: Infinity };
  for (let n = 1; n <= 64; n++) {
    const t = Math.ceil((len + (n - 1) * overlap) / n / divisor) * divisor;
    if (t > maxTile || t <= overlap) continue;
    const cost = axisTiles(Math.ceil(len / divisor) * divisor, t, overlap).starts.length * t;
    if (cost < best.cost) best = { tile: t, cost };
  }
  return best.tile;
}

async function startTorch(): Promise<{ run(n: number): Promise<number[]>; info: string; close(): void }> {
  const script = fileURLToPath(new URL('./pytorch_infer.py', import.meta.url));
  const child = spawn('/usr/bin/python3', [script, String(SIZE), String(THREADS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const queue: ((l: string) => void)[] = [];
  lines.on('line', (l) => queue.shift()?.(l));
  const next = () => new Promise<string>((resolve) => queue.push(resolve));
  child.stdin.write(`${JSON.stringify(spec)}\n`);
  const ready = JSON.parse(await next()) as { threads: number; torch: string };
  return {
    info: `torch ${ready.torch}, ${ready.threads} threads`,
    async run(n) {
      child.stdin.write(`${n}\n`);
      return (JSON.parse(await next()) as { times: number[] }).times;
    },
    close() {
      child.stdin.end('quit\n');
    },
  };
}

async function timePlane(p: Predictor, x: Float32Array): Promise<number> {
  const t0 = performance.now();
  await p.predictBatch(x, 1, SIZE, SIZE, spec.inChannels);
  return (performance.now() - t0) / 1000;
}

interface PlaneRow {
  engine: string;
  detail: string;
  median_s: number;
  times_s: number[];
  vs_pytorch: number;
}

async function planeBench(): Promise<PlaneRow[]> {
  const rng = createRng(7);
  const x = new Float32Array(SIZE * SIZE * spec.inChannels).map(() => rng.next());
  const ortP = await createOnnxPredictorFromWeights(spec, weights, { provider: 'cpu', threads: THREADS });
  const { TfjsPredictor } = await import('../main/engine/tfjs/engine.ts');
  const wasm = await TfjsPredictor.create(spec, weights, 'wasm');
  const torch = await startTorch();
  // Warm-up, and a check that the engines compute the same network.
  const a = await ortP.predictBatch(x, 1, SIZE, SIZE, spec.inChannels);
  const b = await wasm.predictBatch(x, 1, SIZE, SIZE, spec.inChannels);
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  console.log(`ORT vs tfjs-wasm on the bench plane: max relative difference ${(d / s).toExponential(2)}`);
  const times: Record<string, number[]> = { ort: [], wasm: [], torch: [] };
  for (let r = 0; r < ROUNDS; r++) {
    times.ort.push(await timePlane(ortP, x));
    times.wasm.push(await timePlane(wasm, x));
    times.torch.push(...(await torch.run(1)));
  }
  torch.close();
  ortP.dispose();
  wasm.dispose();
  const pt = median(times.torch);
  const row = (engine: string, detail: string, t: number[]): PlaneRow => ({ engine, detail, median_s: median(t), times_s: t, vs_pytorch: median(t) / pt });
  return [
    row('onnxruntime-node', `CPU provider, ${THREADS} intra-op threads`, times.ort),
    row('tfjs-backend-wasm', 'single thread (Node)', times.wasm),
    row('PyTorch', torch.info, times.torch),
  ];
}

interface StackResult {
  depth: number;
  height: number;
  width: number;
  tile: number;
  batch_tiles: number;
  tiles_per_plane: number;
  seconds: number;
  planes_per_second: number;
  peak_rss_mb: number;
  provider: string;
}

/** Child-process part: denoise the synthetic stack, print one JSON line. */
async function stackChild(): Promise<void> {
  const tile = Number(arg('tile', String(economicalTile(HW))));
  const batchTiles = Number(arg('batch-tiles', '1'));
  const hw = HW * HW;
  const data = new Float32Array(DEPTH * hw);
  const rng = createRng(11);
  for (let z = 0; z < DEPTH; z++)
    for (let y = 0; y < HW; y++)
      for (let x = 0; x < HW; x++) {
        const s = 300 + 200 * Math.sin((x + 3 * z) / 23) * Math.cos((y - 2 * z) / 31);
        data[z * hw + y * HW + x] = s + 40 * (rng.next() - 0.5);
      }
  const p = await createOnnxPredictorFromWeights(spec, weights, { provider: 'cpu', threads: THREADS });
  const ts = tileSettings(spec, tile);
  const t0 = performance.now();
  const out = await denoiseStack(p, data, { depth: DEPTH, height: HW, width: HW }, {
    spec,
    layout: { mode: 'self', k: 1 },
    normalisation: fitNormalisation('percentile', data),
    tile,
    batchTiles,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (out.length !== data.length || !Number.isFinite(out[0])) throw new Error('bad denoise output');
  p.dispose();
  const result: StackResult = {
    depth: DEPTH,
    height: HW,
    width: HW,
    tile: ts.tile,
    batch_tiles: batchTiles,
    tiles_per_plane: axisTiles(Math.ceil(HW / ts.divisor) * ts.divisor, ts.tile, ts.overlap).starts.length ** 2,
    seconds,
    planes_per_second: DEPTH / seconds,
    // maxRSS is in kilobytes; it covers this whole child process (data, result, ORT arenas).
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    provider: p.describe().provider,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function stackBench(tile: number, batchTiles: number): StackResult {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--stack-child', '--depth', String(DEPTH), '--hw', String(HW)];
  args.push('--tile', String(tile), '--batch-tiles', String(batchTiles));
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`stack child failed with ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as StackResult;
}

/**
 * Tile settings to compare: the economical tile for this plane size (one tile per call), and the
 * n2s denoise defaults (256² tiles, 4 per call), unless --tile/--batch-tiles fix one setting.
 */
function stackVariants(): [number, number][] {
  if (has('tile') || has('batch-tiles')) return [[Number(arg('tile', String(economicalTile(HW)))), Number(arg('batch-tiles', '1'))]];
  return [
    [economicalTile(HW), 1],
    [256, 4],
  ];
}

async function main(): Promise<void> {
  if (has('stack-child')) return stackChild();
  const load = (await import('node:os')).loadavg();
  console.log(`CSBDeep U-Net, ${THREADS} cores, load average ${load.map((l) => l.toFixed(1)).join(' ')}`);
  const plane = has('no-plane') ? [] : await planeBench();
  if (plane.length) {
    console.log(`\nOne ${SIZE}² plane, median of ${ROUNDS} interleaved rounds:`);
    console.log('  engine               median      vs PyTorch  detail');
    for (const r of plane) console.log(`  ${r.engine.padEnd(20)} ${r.median_s.toFixed(3).padStart(7)} s  ${r.vs_pytorch.toFixed(2).padStart(6)}×     ${r.detail}`);
  }
  const stack = has('no-stack') ? [] : stackVariants().map(([t, b]) => stackBench(t, b));
  if (stack.length) {
    console.log(`\n${DEPTH}×${HW}×${HW} stack through the ONNX predictor and predict.ts (goal ≤ 40 s, < 1536 MB peak RSS):`);
    console.log('  tile   tiles/plane  per call   seconds   planes/s   peak RSS');
    for (const r of stack) {
      console.log(`  ${String(r.tile).padStart(4)}   ${String(r.tiles_per_plane).padStart(11)}  ${String(r.batch_tiles).padStart(8)}   ${r.seconds.toFixed(1).padStart(7)}   ${r.planes_per_second.toFixed(2).padStart(8)}   ${r.peak_rss_mb.toFixed(0).padStart(5)} MB  (${r.provider})`);
    }
  }
  const out = {
    date: new Date().toISOString(),
    machine: { cores: THREADS, loadavg_start: load },
    network: 'csbdeep, 2 input planes, widthScale 1',
    plane_size: SIZE,
    rounds: ROUNDS,
    plane,
    ort_vs_pytorch: plane.length ? plane[0].vs_pytorch : null,
    ort_target_vs_pytorch: 0.5,
    stack,
    load_end: (await import('node:os')).loadavg(),
    stack_goal: { seconds: 40, peak_rss_mb: 1536 },
  };
  mkdirSync('bench/results', { recursive: true });
  const file = 'bench/results/onnx-infer.json';
  writeFileSync(`${file}.tmp`, JSON.stringify(out, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
  console.log(`\nwrote ${file}`);
}

await main();
