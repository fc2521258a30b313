/**
 * Benchmark of the CSBDeep U-Net of docs/method.md §3 (2 input planes, full width): one Adam training
 * step at batch 4 of 128² patches, and one inference of a 512² plane, on
 *   tfjs-wasm (with our forward-convolution gradient kernels), tfjs pure-JS CPU, tfjs-node (if
 *   installed), and PyTorch on the CPU (/usr/bin/python3, python3-torch; bench/pytorch_unet.py)
 * in the same run, each engine in its own process, in rounds (engine order repeated) so that all see
 * the same machine load. Prints a table with ratios to PyTorch and writes JSON to bench/results/.
 *
 *   node --import tsx bench/engine-train.ts [--rounds 2] [--steps 3] [--inferences 2] [--skip-cpu]
 *                                           [--cpu-timeout SECONDS (default 1800)]
 *
 * Target (issue 2): a WASM train step ≥ 10× faster than the 20 s stop-gap, i.e. ≤ 2 s.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildArch } from '../shared/model/arch.ts';
import { initWeights } from '../shared/model/init.ts';
import { createRng } from '../shared/random.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1] });
const BATCH = 4;
const PATCH = 128;
const PLANE = 512;

interface EngineTimes {
  engine: string;
  ok: boolean;
  note?: string;
  train_step_s: number[];
  inference_s: number[];
  /** CPU seconds of the process (all threads) per timed call: less sensitive to a shared machine. */
  train_step_cpu_s?: number[];
  inference_cpu_s?: number[];
}

const median = (v: number[]) => {
  if (v.length === 0) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
};

/** Worker: times one tfjs backend and prints one JSON line. */
async function worker(backend: 'wasm' | 'cpu' | 'tensorflow', steps: number, inferences: number): Promise<void> {
  const { selectBackend } = await import('../main/engine/tfjs/backend.ts');
  const { TfjsTrainEngine, TfjsPredictor } = await import('../main/engine/tfjs/engine.ts');
  const out: EngineTimes = { engine: `tfjs-${backend}`, ok: true, train_step_s: [], inference_s: [], train_step_cpu_s: [], inference_cpu_s: [] };
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  try {
    await selectBackend(backend);
  } catch (e) {
    process.stdout.write(JSON.stringify({ ...out, ok: false, note: (e as Error).message.split('\n')[0] }) + '\n');
    return;
  }
  const rng = createRng(1);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const batch = { x: rand(BATCH * PATCH * PATCH * 2), y: rand(BATCH * PATCH * PATCH), n: BATCH, h: PATCH, w: PATCH, cin: 2 };
  const w = initWeights(spec, 0);
  if (steps > 0) {
    const eng = new TfjsTrainEngine();
    await eng.init(spec, w, { adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, backend, maxBatch: BATCH, patch: PATCH });
    if (backend !== 'cpu') await eng.step(batch, 1e-3); // warm-up (kernel setup, allocations)
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const c0 = cpu();
      await eng.step(batch, 1e-3);
      out.train_step_s.push((performance.now() - t0) / 1000);
      out.train_step_cpu_s?.push(cpu() - c0);
    }
    eng.dispose();
    // Partial result first: if a slow backend is stopped during inference, the step time survives.
    process.stdout.write(JSON.stringify(out) + '\n');
  }
  const p = await TfjsPredictor.create(spec, w, backend);
  const x = rand(PLANE * PLANE * 2);
  if (backend !== 'cpu') await p.predictBatch(x, 1, PLANE, PLANE, 2);
  for (let i = 0; i < inferences; i++) {
    const t0 = performance.now();
    const c0 = cpu();
    await p.predictBatch(x, 1, PLANE, PLANE, 2);
    out.inference_s.push((performance.now() - t0) / 1000);
    out.inference_cpu_s?.push(cpu() - c0);
  }
  p.dispose();
  process.stdout.write(JSON.stringify(out) + '\n');
}

function run(cmd: string, args: string[], stdin?: string, timeoutS = 0): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = timeoutS > 0 ? setTimeout(() => {
      stderr += `\ntimed out after ${timeoutS} s (wall clock)`;
      p.kill('SIGTERM');
    }, timeoutS * 1000) : null;
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', (e) => resolve({ code: -1, stdout, stderr: String(e) }));
    p.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    p.stdin.end(stdin ?? '');
  });
}

function lastJson(stdout: string): EngineTimes | null {
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  return line ? (JSON.parse(line) as EngineTimes) : null;
}

async function tfjsWorker(backend: string, steps: number, inferences: number, timeoutS = 0): Promise<EngineTimes> {
  const r = await run(process.execPath, ['--import', 'tsx', join(HERE, 'engine-train.ts'), '--worker', backend, '--steps', String(steps), '--inferences', String(inferences)], undefined, timeoutS);
  const why = r.stderr.trim().split('\n').at(-1) ?? `exit ${r.code}`;
  const j = lastJson(r.stdout);
  if (j && r.code !== 0) j.note = `incomplete: ${why}`;
  return j ?? { engine: `tfjs-${backend}`, ok: false, note: why, train_step_s: [], inference_s: [] };
}

async function pytorch(steps: number, inferences: number): Promise<EngineTimes> {
  const r = await run('/usr/bin/python3', [join(HERE, 'pytorch_unet.py'), String(BATCH), String(PATCH), String(PLANE), '2', String(steps), String(inferences)], JSON.stringify(spec));
  const j = lastJson(r.stdout) as (EngineTimes & { torch?: string }) | null;
  if (!j) return { engine: 'pytorch-cpu', ok: false, note: r.stderr.trim().split('\n').at(-1) ?? 'python3-torch missing', train_step_s: [], inference_s: [] };
  return { ...j, engine: 'pytorch-cpu', ok: true, note: `torch ${j.torch}, 2 threads` };
}

async function main(): Promise<void> {
  const { values: f } = parseArgs({
    options: {
      worker: { type: 'string' },
      rounds: { type: 'string', default: '2' },
      steps: { type: 'string', default: '3' },
      inferences: { type: 'string', default: '2' },
      'skip-cpu': { type: 'boolean', default: false },
      'cpu-timeout': { type: 'string', default: '1800' },
    },
  });
  const steps = Number(f.steps);
  const inferences = Number(f.inferences);
  if (f.worker) return worker(f.worker as 'wasm' | 'cpu' | 'tensorflow', steps, inferences);

  const rounds = Number(f.rounds);
  const all = new Map<string, EngineTimes>();
  const merge = (t: EngineTimes) => {
    const prev = all.get(t.engine);
    if (!prev) all.set(t.engine, t);
    else {
      prev.train_step_s.push(...t.train_step_s);
      prev.inference_s.push(...t.inference_s);
      prev.train_step_cpu_s?.push(...(t.train_step_cpu_s ?? []));
      prev.inference_cpu_s?.push(...(t.inference_cpu_s ?? []));
      prev.ok &&= t.ok;
    }
  };
  for (let r = 0; r < rounds; r++) {
    process.stderr.write(`round ${r + 1}/${rounds}: pytorch… `);
    merge(await pytorch(steps, inferences));
    process.stderr.write('tfjs-wasm… ');
    merge(await tfjsWorker('wasm', steps, inferences));
    process.stderr.write('tfjs-node… ');
    merge(await tfjsWorker('tensorflow', steps, inferences));
    process.stderr.write('\n');
  }
  if (!f['skip-cpu']) {
    // Pure JS is minutes per step: one step and one inference, once.
    process.stderr.write('tfjs-cpu (pure JS, slow)…\n');
    merge(await tfjsWorker('cpu', 1, 1, Number(f['cpu-timeout'])));
  }
  const torch = all.get('pytorch-cpu');
  const tTrain = torch?.ok ? median(torch.train_step_s) : NaN;
  const tInf = torch?.ok ? median(torch.inference_s) : NaN;
  const cTrain = torch?.ok ? median(torch.train_step_cpu_s ?? []) : NaN;
  const cInf = torch?.ok ? median(torch.inference_cpu_s ?? []) : NaN;
  const rows = [...all.values()].map((e) => {
    const train = median(e.train_step_s);
    const inf = median(e.inference_s);
    return {
      engine: e.engine,
      available: e.ok,
      note: e.note ?? '',
      train_step_s: train,
      train_ratio_to_pytorch: train / tTrain,
      inference_512_s: inf,
      inference_ratio_to_pytorch: inf / tInf,
      train_step_cpu_s: median(e.train_step_cpu_s ?? []),
      train_cpu_ratio_to_pytorch: median(e.train_step_cpu_s ?? []) / cTrain,
      inference_512_cpu_s: median(e.inference_cpu_s ?? []),
      inference_cpu_ratio_to_pytorch: median(e.inference_cpu_s ?? []) / cInf,
      samples: { train: e.train_step_s, inference: e.inference_s, trainCpu: e.train_step_cpu_s, inferenceCpu: e.inference_cpu_s },
    };
  });
  const fmt = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '—');
  const header = `${'engine'.padEnd(14)} ${'train step b4 128² wall s'.padStart(25)} ${'×PyTorch'.padStart(8)} ${'cpu s'.padStart(7)} ${'×PyTorch'.padStart(8)} ${'infer 512² wall s'.padStart(17)} ${'×PyTorch'.padStart(8)} ${'cpu s'.padStart(7)} ${'×PyTorch'.padStart(8)}  note`;
  const lines = rows.map((r) =>
    r.available
      ? `${r.engine.padEnd(14)} ${fmt(r.train_step_s).padStart(25)} ${fmt(r.train_ratio_to_pytorch, 1).padStart(8)} ${fmt(r.train_step_cpu_s).padStart(7)} ${fmt(r.train_cpu_ratio_to_pytorch, 1).padStart(8)} ${fmt(r.inference_512_s).padStart(17)} ${fmt(r.inference_ratio_to_pytorch, 1).padStart(8)} ${fmt(r.inference_512_cpu_s).padStart(7)} ${fmt(r.inference_cpu_ratio_to_pytorch, 1).padStart(8)}  ${r.note}`
      : `${r.engine.padEnd(14)} ${'not available'.padStart(25)}  ${r.note}`,
  );
  const wasm = rows.find((r) => r.engine === 'tfjs-wasm');
  const target = wasm && Number.isFinite(wasm.train_step_s) ? `WASM train step ${fmt(wasm.train_step_s)} s: ${(20 / wasm.train_step_s).toFixed(1)}× faster than the 20 s stop-gap (target ≥ 10×: ${20 / wasm.train_step_s >= 10 ? 'met' : 'NOT met'})` : 'WASM row missing';
  const loadavg = (await import('node:os')).loadavg();
  process.stdout.write(['CSBDeep U-Net, 2 input planes (docs/method.md §3)', header, ...lines, target, `load average during the run: ${loadavg.map((l) => l.toFixed(1)).join(' ')}`, ''].join('\n'));
  const dir = join(HERE, 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `engine-train-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), network: 'csbdeep n=2', batch: BATCH, patch: PATCH, plane: PLANE, loadavg, rows }, null, 2));
  process.stdout.write(`results: ${file}\n`);
}

await main();
