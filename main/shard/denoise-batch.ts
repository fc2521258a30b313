/**
 * Denoising of many stacks or of one large OME-Zarr volume, in deterministic shards (issue 12).
 *
 * - A folder (or a .txt list) of stack files: shard I of N takes files I, I+N, …; each output is
 *   written atomically by the single-stack `n2s denoise`, so an existing output is complete and
 *   is skipped on a rerun.
 * - One OME-Zarr volume: the output volume is chunked like the input along z; shard I of N takes a
 *   contiguous block of z-chunks, reads only the planes those chunks need (their own plus k on each
 *   side), writes its chunks (each chunk file atomically) and then a done-marker per chunk range.
 *   Memory is bounded by a chunk (plus 2k planes), not by the volume.
 * Shards never write the same file or chunk, and N shards give exactly the output of one process.
 */
import { readdir, readFile, stat, mkdir, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { emitJson } from '../cli/command.ts';
import { UserError } from '../errors.ts';
import { parseFlags, num, oneOf, required, describeEngine, formatSeconds } from '../engine/cli-support.ts';
import { OPTIONS as DENOISE_OPTIONS } from '../cli/commands/denoise.ts';
import { parseShard, shardFromEnv, filesForShard, chunkRanges, rangesForShard, inputWindow, type ShardSpec, type PlaneRange } from './plan.ts';

// The same flags as the single-stack denoise (which hands folders and OME-Zarr volumes to us).
const OPTIONS = DENOISE_OPTIONS;

const STACK_EXT = /\.(tiff?|nii|nii\.gz)$/i;
const naturalCompare = new Intl.Collator('en', { numeric: true, sensitivity: 'base' }).compare;

/** Bookkeeping of a sharded output, identical whichever shard writes it. */
export const Manifest = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('folder'),
    input: z.string(),
    model: z.string(),
    files: z.array(z.object({ input: z.string(), output: z.string() })),
  }),
  z.object({
    kind: z.literal('zarr'),
    input: z.string(),
    model: z.string(),
    depth: z.number().int(),
    chunkDepth: z.number().int(),
    ranges: z.array(z.object({ z0: z.number().int(), z1: z.number().int() })),
  }),
]);
export type Manifest = z.infer<typeof Manifest>;

export const MANIFEST_DIR = '.n2s';
const manifestPath = (out: string) => join(out, MANIFEST_DIR, 'manifest.json');
const markerName = (r: PlaneRange) => `z${String(r.z0).padStart(7, '0')}-${String(r.z1).padStart(7, '0')}.done`;
export const markerPath = (out: string, r: PlaneRange) => join(out, MANIFEST_DIR, 'done', markerName(r));

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

async function writeManifest(out: string, m: Manifest): Promise<void> {
  await mkdir(join(out, MANIFEST_DIR, 'done'), { recursive: true });
  const text = JSON.stringify(m, null, 2);
  const prev = existsSync(manifestPath(out)) ? await readFile(manifestPath(out), 'utf8') : undefined;
  if (prev !== undefined && prev !== text) {
    throw new UserError(`${out} holds the output of another run (${manifestPath(out)} differs); choose another --output`);
  }
  if (prev === undefined) await writeAtomic(manifestPath(out), text);
}

export async function readManifest(out: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(manifestPath(out), 'utf8');
  } catch {
    throw new UserError(`${out} is not the output of a sharded n2s denoise (no ${join(MANIFEST_DIR, 'manifest.json')})`);
  }
  const parsed = Manifest.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UserError(`${manifestPath(out)} is damaged: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Stack files of a folder (natural order) or of a .txt list (one path per line, # comments). */
async function listInputs(input: string): Promise<string[]> {
  if (/\.txt$/i.test(input)) {
    const lines = (await readFile(input, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    return lines.map((l) => resolve(input, '..', l));
  }
  const names = (await readdir(input)).filter((n) => STACK_EXT.test(n) && !n.startsWith('.')).sort(naturalCompare);
  return names.map((n) => join(input, n));
}

function shardOf(flag: string | undefined): ShardSpec {
  try {
    return flag !== undefined ? parseShard(flag) : (shardFromEnv(process.env) ?? { index: 0, count: 1 });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

export async function runBatchDenoise(argv: string[]): Promise<number> {
  const f = parseFlags(argv, OPTIONS, 'denoise');
  const modelDir = resolve(required(f.model, 'model', 'denoise'));
  const input = resolve(required(f.input, 'input', 'denoise'));
  const output = resolve(required(f.output, 'output', 'denoise'));
  const shard = shardOf(f.shard);
  if (input === output) throw new UserError('--output must differ from --input');
  if (f.copy) throw new UserError('--copy is not supported for folders / OME-Zarr volumes; denoise such pairs one stack at a time');
  let inputStat;
  try {
    inputStat = await stat(input);
  } catch {
    throw new UserError(`input not found: ${f.input}`);
  }
  const { isZarrPath } = await import('../io/zarr.ts');
  if (isZarrPath(input)) return denoiseZarr(f, modelDir, input, output, shard);
  if (!inputStat.isDirectory() && !/\.txt$/i.test(input)) {
    throw new UserError(`--shard needs a folder, a .txt list of files or an OME-Zarr volume as --input, not ${basename(input)}`);
  }
  return denoiseFiles(f, modelDir, input, output, shard);
}

type Flags = ReturnType<typeof parseFlags<typeof OPTIONS>>;

/** Flags passed unchanged to the single-stack denoise of each file. */
function passThrough(f: Flags): string[] {
  const out: string[] = [];
  for (const k of ['tile', 'overlap', 'batch-tiles', 'engine', 'provider', 'backend', 'dtype'] as const) {
    const v = f[k];
    if (v !== undefined) out.push(`--${k}`, v);
  }
  return out;
}

async function denoiseFiles(f: Flags, modelDir: string, input: string, output: string, shard: ShardSpec): Promise<number> {
  const files = await listInputs(input);
  if (files.length === 0) throw new UserError(`${f.input} has no stack files (.tif, .tiff, .nii, .nii.gz)`);
  await mkdir(output, { recursive: true });
  const pairs = files.map((p) => ({ input: p, output: join(output, basename(p)) }));
  await writeManifest(output, { kind: 'folder', input, model: modelDir, files: pairs });
  const mine = filesForShard(pairs, shard);
  const { command } = await import('../cli/commands/denoise.ts');
  const t0 = Date.now();
  let done = 0;
  let skipped = 0;
  for (const p of mine) {
    if (existsSync(p.output) && !f.overwrite) {
      skipped++;
      if (f.json) emitJson({ type: 'file', input: p.input, output: p.output, skipped: true });
      continue;
    }
    if (!f.json) process.stderr.write(`[shard ${shard.index}/${shard.count}] ${basename(p.input)}\n`);
    const args = ['--model', modelDir, '--input', p.input, '--output', p.output, ...passThrough(f), ...(f.overwrite ? ['--overwrite'] : [])];
    const code = await command.run(f.json ? [...args, '--json'] : args);
    if (code !== 0) return code;
    done++;
  }
  const seconds = (Date.now() - t0) / 1000;
  const result = { type: 'result', kind: 'folder', shard: `${shard.index}/${shard.count}`, files: mine.length, denoised: done, skipped, seconds };
  if (f.json) emitJson(result);
  else process.stdout.write(`shard ${shard.index}/${shard.count}: ${done} denoised, ${skipped} already complete, ${mine.length} files in ${seconds.toFixed(1)} s → ${output}\n`);
  return 0;
}

/** At most this many values are sampled (deterministically, every s-th pixel) to fit the normalisation. */
const NORMALISATION_SAMPLE = 1 << 22;

async function denoiseZarr(f: Flags, modelDir: string, input: string, output: string, shard: ShardSpec): Promise<number> {
  const { openZarr, createZarr, writeZarrPlanes } = await import('../io/zarr.ts');
  const { readModelConfig } = await import('../engine/model-store.ts');
  const { minPlanes } = await import('../engine/sampler.ts');
  let config;
  try {
    config = await readModelConfig(modelDir);
  } catch (e) {
    throw new UserError(`--model: ${(e as Error).message}`);
  }
  let src;
  try {
    src = await openZarr(input);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const { depth, height, width } = src;
  const k = config.layout.k;
  if (depth < minPlanes(config.layout.mode, k)) {
    throw new UserError(`${basename(input)} has ${depth} planes; this model (${config.layout.mode}-supervised, K=${k}) needs at least ${minPlanes(config.layout.mode, k)}`);
  }
  const chunkDepth = num(f['chunk-planes'], 'chunk-planes', true) ?? src.chunkDepth;
  if (chunkDepth < 1) throw new UserError('--chunk-planes must be ≥ 1');
  const dtypeFlag = oneOf(f.dtype, 'dtype', ['float32', 'keep', 'uint16', 'uint8'] as const) ?? 'float32';
  const dtype = dtypeFlag === 'keep' ? src.meta.dtype : dtypeFlag;
  const ranges = chunkRanges(depth, chunkDepth);
  let layout;
  try {
    layout = await createZarr(output, { depth, height, width }, src.meta.voxelSize, {
      chunks: [chunkDepth, Math.min(256, height), Math.min(256, width)],
      dtype,
      name: `${src.meta.name} denoised`,
      extra: { model: modelDir, input, method: config.training.method, mode: config.layout.mode, k },
    });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  await writeManifest(output, { kind: 'zarr', input, model: modelDir, depth, chunkDepth, ranges });
  const mine = rangesForShard(ranges, shard).filter((r) => f.overwrite || !existsSync(markerPath(output, r)));
  const skipped = rangesForShard(ranges, shard).length - mine.length;

  const { fitNormalisation } = await import('../engine/normalise.ts');
  const { loadPredictor } = await import('../engine/predictor.ts');
  const { denoiseStack } = await import('../engine/predict.ts');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const t0 = Date.now();
  let planesDone = 0;
  if (mine.length > 0) {
    // The normalisation must be the same in every shard and in an unsharded run, so it is fitted on
    // a deterministic sample of the whole volume (one plane in memory at a time), not per chunk.
    const stride = Math.max(1, Math.ceil((depth * height * width) / NORMALISATION_SAMPLE));
    const sample: number[] = [];
    for (let zi = 0; zi < depth; zi++) {
      const p = await src.readPlane(zi);
      const base = zi * height * width;
      for (let i = (stride - (base % stride)) % stride; i < p.length; i += stride) sample.push(p[i]);
    }
    const normalisation = fitNormalisation(config.normalisation.kind, Float32Array.from(sample));
    const loaded = await loadPredictor(modelDir, {
      engine: oneOf(f.engine, 'engine', ['auto', 'onnx', 'tfjs'] as const) ?? 'auto',
      provider: oneOf(f.provider, 'provider', ['auto', 'cpu', 'webgpu', 'dml', 'cuda', 'coreml'] as const),
      backend: oneOf(f.backend, 'backend', ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const),
      log,
    });
    log(`engine: ${describeEngine(loaded.report)}`);
    const faultAfter = Number(process.env.N2S_FAULT_AFTER_CHUNKS ?? NaN);
    try {
      let chunksDone = 0;
      for (const r of mine) {
        const win = inputWindow(r, k, depth);
        const windowData = await src.readPlanes(win.z0, win.z1);
        const pred = await denoiseStack(loaded.predictor, windowData, { depth: win.z1 - win.z0, height, width }, {
          spec: loaded.spec,
          layout: config.layout,
          normalisation,
          tile: num(f.tile, 'tile', true),
          overlap: num(f.overlap, 'overlap', true),
          batchTiles: num(f['batch-tiles'], 'batch-tiles', true),
          planes: { z0: r.z0 - win.z0, z1: r.z1 - win.z0 },
        });
        await writeZarrPlanes(layout, r.z0, pred);
        await writeAtomic(markerPath(output, r), JSON.stringify({ z0: r.z0, z1: r.z1, shard: `${shard.index}/${shard.count}`, at: new Date().toISOString() }));
        planesDone += r.z1 - r.z0;
        chunksDone++;
        const sec = (Date.now() - t0) / 1000;
        const total = mine.reduce((a, m) => a + m.z1 - m.z0, 0);
        if (f.json) emitJson({ type: 'chunk', z0: r.z0, z1: r.z1, done: planesDone, total, eta: (sec / planesDone) * (total - planesDone) });
        else process.stderr.write(`[shard ${shard.index}/${shard.count}] planes ${r.z0}–${r.z1 - 1} (${planesDone}/${total}, ETA ${formatSeconds((sec / planesDone) * (total - planesDone))})\n`);
        // Test hook: die like a killed node (no clean-up) after N chunks.
        if (chunksDone === faultAfter) process.kill(process.pid, 'SIGKILL');
      }
    } finally {
      loaded.predictor.dispose();
    }
  }
  await src.close();
  const seconds = (Date.now() - t0) / 1000;
  const result = { type: 'result', kind: 'zarr', shard: `${shard.index}/${shard.count}`, chunks: mine.length, skipped, planes: planesDone, seconds, output };
  if (f.json) emitJson(result);
  else process.stdout.write(`shard ${shard.index}/${shard.count}: ${mine.length} chunk range(s) denoised (${planesDone} planes), ${skipped} already complete, in ${seconds.toFixed(1)} s → ${output}\n`);
  return 0;
}

