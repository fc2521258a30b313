/**
 * The denoise use case, written once for every door (n2s denoise, the app's denoise and preview
 * jobs, sharded folders / OME-Zarr volumes, the demo):
 *
 *   load model → check planes → fit the input's normalisation on the background-subtracted data
 *   → tile → average the copies
 *
 * `openDenoiser` loads and checks; `denoiseVolume` is the single-stack core (one ZYX array, or a
 * window of one, with optional second copy) that hyperstack loops call per channel / time point;
 * `denoiseStacks`, `denoiseFile`, `denoiseFolder` and `denoiseZarr` are the doors' shapes of input.
 * Emits: stage, engine, workload (size and estimate, before the work), plane (stacks), file (folders),
 * chunk (OME-Zarr), log.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { makeStack, type DType, type Stack } from '../../shared/stack.ts';
import { DenoiseRequest, DenoiseStackRequest, PreviewRequest, inferenceVoxelsPerSecond, type DenoiseRequestInput, type DenoiseStackRequestInput, type InferenceSettings, type ShardSpec } from '../../shared/config/denoise.ts';
import type { WorkflowEvent } from '../../shared/workflow-events.ts';
import type { ArchSpec } from '../../shared/model/arch.ts';
import { minPlanes } from '../../shared/model/neighbours.ts';
import { InputMismatchError, ModelFolderError, OutputExistsError, TileSizeError, UserError } from '../errors.ts';
import type { ModelConfig } from '../engine/model-store.ts';
import type { EngineReport, Normalisation, Predictor } from '../engine/types.ts';
import { describeWorkload, formatDuration } from '../io/workload.ts';
import { cancellable, parseRequest, samePath, sameShape, throwIfCancelled, type WorkflowOptions } from './common.ts';

/** A loaded, checked model ready to denoise. Dispose when done. */
export interface Denoiser {
  modelDir: string;
  config: ModelConfig;
  spec: ArchSpec;
  /** The camera background pattern stored with the model (one plane), or null. */
  background: Float32Array | null;
  engine: EngineReport;
  settings: InferenceSettings;
  predictor: Predictor;
  /** Whether the last prediction used test-time ensembling (set by predictPlanes). */
  ttaUsed?: boolean;
  dispose(): void;
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** Reads a model's config.json with a one-line error naming the folder. */
export async function readModel(modelDir: string): Promise<ModelConfig> {
  const { readModelConfig } = await import('../engine/model-store.ts');
  try {
    return await readModelConfig(modelDir);
  } catch (e) {
    throw new ModelFolderError(`${modelDir} is not a usable model folder: ${firstLine(e)}`);
  }
}

/** Load model: config, weights, background pattern, predictor on the requested engine; tiles checked. */
export async function openDenoiser(request: DenoiseStackRequestInput, o: WorkflowOptions = {}): Promise<Denoiser> {
  const req = parseRequest(DenoiseStackRequest, request);
  const emit = o.onEvent ?? (() => {});
  emit({ type: 'stage', stage: 'load-model', message: 'loading the model' });
  const config = await readModel(req.modelDir);
  const { readBackground } = await import('../engine/model-store.ts');
  const { tileSettings } = await import('../engine/predict.ts');
  const { loadPredictor } = await import('../engine/predictor.ts');
  try {
    tileSettings(config.arch as ArchSpec, req.tile, req.overlap);
  } catch (e) {
    throw new TileSizeError(firstLine(e));
  }
  let background: Float32Array | null;
  try {
    background = await readBackground(req.modelDir, config);
  } catch (e) {
    throw new ModelFolderError(`${req.modelDir}: ${firstLine(e)}`);
  }
  throwIfCancelled(o.signal);
  let loaded;
  try {
    loaded = await loadPredictor(req.modelDir, { engine: req.engine, provider: req.provider, backend: req.backend, log: (line) => emit({ type: 'log', line }) });
  } catch (e) {
    throw new ModelFolderError(`cannot load the model in ${req.modelDir}: ${firstLine(e)}`);
  }
  const engine = loaded.report;
  emit({ type: 'engine', engine: { engine: engine.engine, backend: engine.backend, provider: engine.provider, note: engine.note } });
  return {
    modelDir: req.modelDir,
    config,
    spec: loaded.spec,
    background,
    engine,
    settings: req,
    predictor: loaded.predictor,
    dispose: () => loaded.predictor.dispose(),
  };
}

/** Check planes: enough planes for the model's K, planes the size of its background pattern. */
export function checkVolume(d: Pick<Denoiser, 'config' | 'background'>, v: { depth: number; height: number; width: number }, name: string): void {
  const { mode, k } = d.config.layout;
  const need = minPlanes(mode, k);
  if (v.depth < need) {
    throw new InputMismatchError(`${name} has ${v.depth} plane${v.depth === 1 ? '' : 's'}; this model (${mode}-supervised, K=${k}) needs at least ${need}`);
  }
  if (d.background && d.background.length !== v.height * v.width) {
    const bg = d.config.background;
    throw new InputMismatchError(`the model's background pattern is ${bg?.height}×${bg?.width}, the planes of ${name} ${v.height}×${v.width}`);
  }
}

/** Values sampled for the percentiles: at most this many, every s-th voxel of the whole volume. */
const NORMALISATION_SAMPLES = 2_000_000;

/**
 * Refit the normalisation on the data to denoise, with the model's background pattern subtracted
 * first (it was subtracted from the training data before the model's normalisation was fitted).
 * Reads plane by plane, so a volume larger than memory is fine; every voxel of index ≡ 0 (mod s)
 * is sampled, the same sample whichever door reads the volume, so every door gets one answer.
 */
export async function fitInputNormalisation(
  d: Pick<Denoiser, 'config' | 'background'>,
  v: { depth: number; height: number; width: number },
  readPlane: (z: number) => Float32Array | Promise<Float32Array>,
): Promise<Normalisation> {
  const { fitNormalisation } = await import('../engine/normalise.ts');
  const kind = d.config.normalisation.kind;
  if (kind === 'none') return { kind: 'none' };
  const hw = v.height * v.width;
  const total = v.depth * hw;
  const bg = d.background;
  if (kind === 'mri') {
    let min = Infinity;
    let max = -Infinity;
    for (let z = 0; z < v.depth; z++) {
      const p = await readPlane(z);
      for (let i = 0; i < hw; i++) {
        const x = bg ? p[i] - bg[i] : p[i];
        if (x < min) min = x;
        if (x > max) max = x;
      }
    }
    return { kind: 'mri', min, max };
  }
  const stride = Math.max(1, Math.ceil(total / NORMALISATION_SAMPLES));
  const sample = new Float32Array(Math.ceil(total / stride));
  let j = 0;
  for (let z = 0; z < v.depth; z++) {
    const p = await readPlane(z);
    const base = z * hw;
    for (let i = (stride - (base % stride)) % stride; i < hw; i += stride) sample[j++] = bg ? p[i] - bg[i] : p[i];
  }
  return fitNormalisation(kind, sample.subarray(0, j));
}

const planeOf = (data: Float32Array, hw: number) => (z: number) => data.subarray(z * hw, (z + 1) * hw);

interface VolumeSource {
  /** ZYX raw intensities of the planes in [window.z0, window.z1) (the whole stack by default). */
  data: Float32Array;
  /** Normalisation of the whole volume (fitInputNormalisation). */
  normalisation: Normalisation;
}

/**
 * The denoiser's predictor for a volume, or its test-time ensemble when ttaFor says so. Decided on
 * the whole volume (`volumeVoxels`, also for a window or shard of it), so every shard and chunk
 * agrees; the decision is said once per denoiser. `mirrorNeighbours: false` for a joint model,
 * whose channel-major input planes the mirrored order would swap between channels.
 */
export async function ensembleFor(d: Denoiser, volumeVoxels: number, o: WorkflowOptions, override: { mirrorNeighbours?: false } = {}): Promise<Predictor> {
  const { ttaFor, withTta } = await import('../engine/tta.ts');
  const tta = ttaFor(d.settings.tta, volumeVoxels, d.spec.inChannels, d.engine);
  if (d.ttaUsed !== tta.use) o.onEvent?.({ type: 'log', line: tta.why });
  d.ttaUsed = tta.use;
  return tta.use ? withTta(d.predictor, { ...tta.options, ...override }) : d.predictor;
}

/**
 * The single-stack core: tile and predict planes [planes.z0, planes.z1) of a window of a volume
 * with each source (one noisy copy, or two), averaging the copies. Returns those planes only.
 */
export async function predictPlanes(
  d: Denoiser,
  sources: VolumeSource[],
  shape: { depth: number; height: number; width: number },
  o: WorkflowOptions & { planes?: { z0: number; z1: number }; onPlane?: (plane: number) => void; volumeVoxels?: number },
): Promise<Float32Array> {
  const { denoiseStack } = await import('../engine/predict.ts');
  const predictor = await ensembleFor(d, o.volumeVoxels ?? shape.depth * shape.height * shape.width, o);
  let out: Float32Array | null = null;
  for (const s of sources) {
    throwIfCancelled(o.signal);
    const pred = await cancellable(o.signal, () =>
      denoiseStack(predictor, s.data, shape, {
        spec: d.spec,
        layout: d.config.layout,
        normalisation: s.normalisation,
        background: d.background,
        tile: d.settings.tile,
        overlap: d.settings.overlap,
        batchTiles: d.settings.batchTiles,
        planes: o.planes,
        signal: o.signal,
        onEvent: (e) => o.onPlane?.(e.plane),
      }),
    );
    if (!out) out = pred;
    else for (let i = 0; i < out.length; i++) out[i] = 0.5 * (out[i] + pred[i]);
  }
  if (!out) throw new Error('no source to denoise');
  return out;
}

/**
 * Denoise one in-memory volume (plus an optional second copy of the same shape) with an open
 * denoiser: the single-stack core. Hyperstack loops call it per channel / time point.
 */
export async function denoiseVolume(
  d: Denoiser,
  stack: Stack,
  copy: Stack | undefined,
  o: WorkflowOptions & { planes?: { z0: number; z1: number }; name?: string } = {},
): Promise<Float32Array> {
  if (copy) sameShape(stack, copy, `the second copy ${copy.meta.name}`);
  checkVolume(d, stack, o.name ?? stack.meta.name);
  const hw = stack.height * stack.width;
  const sources = copy ? [stack, copy] : [stack];
  o.onEvent?.({ type: 'stage', stage: 'normalise', message: 'fitting the normalisation' });
  const fitted: VolumeSource[] = [];
  for (const s of sources) fitted.push({ data: s.data, normalisation: await fitInputNormalisation(d, s, planeOf(s.data, hw)) });
  const z0 = o.planes?.z0 ?? 0;
  const z1 = o.planes?.z1 ?? stack.depth;
  if (z0 < 0 || z1 > stack.depth || z1 <= z0) throw new InputMismatchError(`plane ${z0} is outside 0…${stack.depth - 1}`);
  const total = (z1 - z0) * sources.length;
  let done = 0;
  const t0 = Date.now();
  return predictPlanes(d, fitted, stack, {
    ...o,
    planes: o.planes,
    onPlane: (plane) => {
      done++;
      const sec = (Date.now() - t0) / 1000;
      o.onEvent?.({ type: 'plane', plane, done, total, secondsPerPlane: sec / done, eta: (sec / done) * (total - done) });
    },
  });
}

export interface DenoisedStacks {
  /** The denoised stack (float32), named "<input> (denoised)". */
  stack: Stack;
  config: ModelConfig;
  engine: EngineReport;
  seconds: number;
}

/** The model's description line added to a denoised stack's metadata. */
function describeModel(config: ModelConfig): string {
  return `denoised by Noise2Stack Studio, model ${config.training.method} ${config.layout.mode} K=${config.layout.k}`;
}

/** Denoise stacks in memory (the app's open stacks, the demo). */
export async function denoiseStacks(request: DenoiseStackRequestInput, input: { stack: Stack; copy?: Stack; name?: string }, o: WorkflowOptions = {}): Promise<DenoisedStacks> {
  const t0 = Date.now();
  const d = await openDenoiser(request, o);
  try {
    await sayWorkload(d, input.stack, input.stack.meta.dtype, input.stack.depth * (input.copy ? 2 : 1), o);
    const data = await denoiseVolume(d, input.stack, input.copy, o);
    const { stack } = input;
    const result = makeStack(stack.depth, stack.height, stack.width, data, {
      ...stack.meta,
      name: input.name ?? `${stack.meta.name.replace(/\.(ome\.)?tiff?$|\.nii(\.gz)?$/i, '')} (denoised)`,
      sourcePath: undefined,
      dtype: 'float32',
      description: `${stack.meta.description ? stack.meta.description + '\n' : ''}${describeModel(d.config)}`,
    });
    return { stack: result, config: d.config, engine: d.engine, seconds: (Date.now() - t0) / 1000 };
  } finally {
    d.dispose();
  }
}

export interface PreviewResult {
  /** The previewed plane, height×width. */
  plane: Float32Array;
  config: ModelConfig;
  engine: EngineReport;
}

/** The preview's plane must be a plane of the stack (the app also calls it when the job starts). */
export function checkPreviewPlane(plane: number, depth: number): void {
  if (!Number.isInteger(plane) || plane < 0 || plane >= depth) throw new InputMismatchError(`plane ${plane} is outside 0…${depth - 1}`);
}

/**
 * One plane of an open stack with a model (the live preview during training). The normalisation is
 * that of the whole stack, so the plane equals the same plane of a full denoise with this model.
 * Defaults to the tfjs engine: it starts in a fraction of ONNX Runtime's session time.
 */
export async function previewPlane(request: DenoiseStackRequestInput & { plane: number }, input: { stack: Stack; copy?: Stack }, o: WorkflowOptions = {}): Promise<PreviewResult> {
  const req = parseRequest(PreviewRequest, { engine: 'tfjs', tta: false, ...request });
  checkPreviewPlane(req.plane, input.stack.depth);
  const d = await openDenoiser(req, o);
  try {
    const plane = await denoiseVolume(d, input.stack, input.copy, { ...o, planes: { z0: req.plane, z1: req.plane + 1 } });
    return { plane, config: d.config, engine: d.engine };
  } finally {
    d.dispose();
  }
}

/**
 * Says the job's size and its estimated time before the work (issue 16: a 100 000-plane input must
 * not run for hours without a word). The per-plane time is the engine's measured inference rate
 * (shared/config/denoise.ts), times the test-time ensemble when predictPlanes will use it (the same
 * decision, on the same volume); the plane and chunk events then carry the ETA measured as it goes.
 */
async function sayWorkload(d: Denoiser, shape: { depth: number; height: number; width: number }, dtype: DType, total: number, o: WorkflowOptions): Promise<void> {
  if (!o.onEvent) return;
  const { ttaFor, ttaFactor } = await import('../engine/tta.ts');
  const size = describeWorkload(shape.depth, shape.height, shape.width, dtype);
  const tta = ttaFor(d.settings.tta, shape.depth * shape.height * shape.width, d.spec.inChannels, d.engine);
  const factor = tta.use ? ttaFactor(d.spec.inChannels, tta.options) : 1;
  const rate = inferenceVoxelsPerSecond(d.engine.engine, d.engine.backend);
  const secondsPerPlane = (shape.height * shape.width * factor) / rate;
  const eta = secondsPerPlane * total;
  const basis = `estimated from ${d.engine.engine}/${d.engine.backend}'s typical ${(rate / 1e6).toPrecision(2)} M voxels/s${factor > 1 ? `, ×${factor} ensemble` : ''}`;
  const perPlane = secondsPerPlane >= 1 ? `${secondsPerPlane.toFixed(1)} s` : `${(secondsPerPlane * 1000).toFixed(0)} ms`;
  o.onEvent({
    type: 'workload',
    planes: shape.depth,
    height: shape.height,
    width: shape.width,
    dtype,
    bytes: size.bytes,
    large: size.large,
    total,
    secondsPerPlane,
    eta,
    basis,
    text: `input: ${size.text}; ${eta < 1 ? 'under 1 s' : `about ${formatDuration(eta)}`} to denoise ${total} plane${total === 1 ? '' : 's'} (≈ ${perPlane} per plane, ${basis})`,
  });
}

// ---------------------------------------------------------------- files, folders, OME-Zarr

export type DenoiseResult =
  | { kind: 'stack'; output: string; planes: number; seconds: number; engine: EngineReport; dtype: string; notes: string[]; tta: boolean }
  | { kind: 'folder'; output: string; shard: ShardSpec; files: number; denoised: number; skipped: number; seconds: number }
  | { kind: 'zarr'; output: string; shard: ShardSpec; chunks: number; skipped: number; planes: number; seconds: number };

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** What an input path holds: one stack file, a folder / .txt list of them, or an OME-Zarr volume. */
export async function inputKind(input: string): Promise<'stack' | 'folder' | 'zarr'> {
  if (/\.zarr\/?$/i.test(input)) return 'zarr';
  if (await isDir(input)) {
    const { isZarrPath } = await import('../io/zarr.ts');
    return isZarrPath(input) ? 'zarr' : 'folder';
  }
  return /\.txt$/i.test(input) ? 'folder' : 'stack';
}

/** The output must not be an input, and exists only with overwrite: checked before any work. */
async function checkOutput(output: string, inputs: string[], overwrite: boolean): Promise<void> {
  for (const p of inputs) if (samePath(p, output)) throw new OutputExistsError(`${output} is an input file; refusing to overwrite it`);
  const { checkOutputPath } = await import('../io/output-path.ts');
  try {
    await checkOutputPath(output, { overwrite, inputs });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new OutputExistsError(firstLine(e));
  }
}

/** Denoise files: dispatches on the input (one stack, folder / .txt list, OME-Zarr volume). */
export async function denoise(request: DenoiseRequestInput, o: WorkflowOptions = {}): Promise<DenoiseResult> {
  const req = parseRequest(DenoiseRequest, request);
  const kind = await inputKind(req.input);
  if (kind === 'stack') {
    if (req.shard && req.shard.count > 1) throw new InputMismatchError(`--shard needs a folder, a .txt list of files or an OME-Zarr volume as input, not ${basename(req.input)}`);
    return denoiseFile(req, o);
  }
  // The output's format follows its extension, not the input's: an OME-Zarr volume to a TIFF or
  // NIfTI file is one stack read whole and written by that writer (any other name is an OME-Zarr
  // written in place, as before).
  if (kind === 'zarr' && STACK_EXT.test(req.output)) {
    if (req.shard && req.shard.count > 1) throw new InputMismatchError(`--shard writes one OME-Zarr in place from every shard: name the output .zarr (not ${basename(req.output)})`);
    return denoiseFile({ ...req, shard: undefined }, o);
  }
  if (req.copy) throw new InputMismatchError('a second copy is not supported for folders / OME-Zarr volumes; denoise such pairs one stack at a time');
  return kind === 'zarr' ? denoiseZarr(req, o) : denoiseFolder(req, o);
}

/** One stack file (and an optional second copy) to one output file. */
export async function denoiseFile(request: DenoiseRequestInput, o: WorkflowOptions = {}, opened?: Denoiser): Promise<Extract<DenoiseResult, { kind: 'stack' }>> {
  const req = parseRequest(DenoiseRequest, request);
  const inputs = [req.input, ...(req.copy ? [req.copy] : [])];
  await checkOutput(req.output, inputs, req.overwrite);
  const { openStack, readStack, writeStack } = await import('../io/index.ts');
  const t0 = Date.now();
  const d = opened ?? (await openDenoiser(req, o));
  try {
    o.onEvent?.({ type: 'stage', stage: 'read', message: `reading ${basename(req.input)}` });
    // Opened lazily first, so the size and the estimate are said before a huge input is read.
    const src = await openStack(req.input);
    let a: Stack;
    try {
      await sayWorkload(d, src, src.meta.dtype, src.depth * (req.copy ? 2 : 1), o);
      const n = src.height * src.width;
      const data = new Float32Array(src.depth * n);
      for (let z = 0; z < src.depth; z++) {
        throwIfCancelled(o.signal);
        data.set(await src.readPlane(z), z * n);
      }
      a = { depth: src.depth, height: src.height, width: src.width, data, meta: src.meta };
    } finally {
      await src.close();
    }
    const b = req.copy ? await readStack(req.copy) : undefined;
    const data = await denoiseVolume(d, a, b, o);
    const result = makeStack(a.depth, a.height, a.width, data, {
      ...a.meta,
      name: basename(req.output),
      sourcePath: undefined,
      description: `${a.meta.description ? a.meta.description + '\n' : ''}${describeModel(d.config)}`,
    });
    o.onEvent?.({ type: 'stage', stage: 'write', message: `writing ${basename(req.output)}` });
    const report = await writeStack(req.output, result, { dtype: req.dtype, overwrite: req.overwrite, protect: inputs });
    return { kind: 'stack', output: report.path, planes: a.depth * (b ? 2 : 1), seconds: (Date.now() - t0) / 1000, engine: d.engine, dtype: report.dtype, notes: report.notes, tta: d.ttaUsed ?? false };
  } finally {
    if (!opened) d.dispose();
  }
}

const STACK_EXT = /\.(tiff?|nii|nii\.gz)$/i;
const naturalCompare = new Intl.Collator('en', { numeric: true, sensitivity: 'base' }).compare;

/** Stack files of a folder (natural order) or of a .txt list (one path per line, # comments). */
export async function listInputs(input: string): Promise<string[]> {
  if (/\.txt$/i.test(input)) {
    const lines = (await readFile(input, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    return lines.map((l) => resolve(input, '..', l));
  }
  const names = (await readdir(input)).filter((n) => STACK_EXT.test(n) && !n.startsWith('.')).sort(naturalCompare);
  return names.map((n) => join(input, n));
}

const ALL: ShardSpec = { index: 0, count: 1 };

/**
 * A folder or .txt list: shard I of N takes files I, I+N, …; each output is written atomically by
 * denoiseFile, so an existing output is complete and is skipped on a rerun (unless overwrite).
 */
export async function denoiseFolder(request: DenoiseRequestInput, o: WorkflowOptions = {}): Promise<Extract<DenoiseResult, { kind: 'folder' }>> {
  const req = parseRequest(DenoiseRequest, request);
  const input = resolve(req.input);
  const output = resolve(req.output);
  const modelDir = resolve(req.modelDir);
  const shard = req.shard ?? ALL;
  if (input === output) throw new OutputExistsError('the output folder must differ from the input');
  if (!existsSync(input)) throw new UserError(`input not found: ${req.input}`);
  const { writeManifest } = await import('../shard/denoise-batch.ts');
  const { filesForShard } = await import('../shard/plan.ts');
  const files = await listInputs(input);
  if (files.length === 0) throw new UserError(`${req.input} has no stack files (.tif, .tiff, .nii, .nii.gz)`);
  const pairs = files.map((p) => ({ input: p, output: join(output, basename(p)) }));
  const mine = filesForShard(pairs, shard);
  // One model load for all files of this shard; nothing is loaded when every output exists.
  const todo = mine.filter((p) => req.overwrite || !existsSync(p.output));
  await mkdir(output, { recursive: true });
  await writeManifest(output, { kind: 'folder', input, model: modelDir, files: pairs });
  const t0 = Date.now();
  let done = 0;
  let skipped = 0;
  const d = todo.length > 0 ? await openDenoiser({ ...req, modelDir }, o) : undefined;
  try {
    for (const [index, p] of mine.entries()) {
      throwIfCancelled(o.signal);
      const skip = !todo.includes(p);
      o.onEvent?.({ type: 'file', input: p.input, output: p.output, index, count: mine.length, skipped: skip });
      if (skip) {
        skipped++;
        continue;
      }
      await denoiseFile({ ...req, modelDir, input: p.input, output: p.output, copy: undefined, shard: undefined }, o, d);
      done++;
    }
  } finally {
    d?.dispose();
  }
  return { kind: 'folder', output, shard, files: mine.length, denoised: done, skipped, seconds: (Date.now() - t0) / 1000 };
}

/**
 * One OME-Zarr volume: the output is chunked like the input along z; shard I of N takes a
 * contiguous block of z-chunks, reads only the planes those chunks need (their own plus K on each
 * side), writes its chunks (each atomically) and a done-marker per chunk range. Memory is bounded
 * by a chunk plus 2K planes; N shards give exactly the output of one process, and of a TIFF door.
 */
export async function denoiseZarr(request: DenoiseRequestInput, o: WorkflowOptions = {}): Promise<Extract<DenoiseResult, { kind: 'zarr' }>> {
  const req = parseRequest(DenoiseRequest, request);
  const input = resolve(req.input);
  const output = resolve(req.output);
  const modelDir = resolve(req.modelDir);
  const shard = req.shard ?? ALL;
  if (input === output) throw new OutputExistsError('the output must differ from the input');
  const { openZarr, createZarr, writeZarrPlanes } = await import('../io/zarr.ts');
  const { writeManifest, markerPath, writeMarker } = await import('../shard/denoise-batch.ts');
  const { chunkRanges, rangesForShard, inputWindow } = await import('../shard/plan.ts');
  const config = await readModel(modelDir);
  let src;
  try {
    src = await openZarr(input);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(firstLine(e));
  }
  const t0 = Date.now();
  let planesDone = 0;
  let mine: { z0: number; z1: number }[];
  let skipped: number;
  try {
    const { depth, height, width } = src;
    const k = config.layout.k;
    const chunkDepth = req.chunkPlanes ?? src.chunkDepth;
    const dtype = req.dtype === 'keep' ? src.meta.dtype : req.dtype;
    const ranges = chunkRanges(depth, chunkDepth);
    // Checked before the output is created: planes against the model (the background's size is
    // checked again once it is loaded).
    checkVolume({ config, background: null }, src, basename(input));
    let layout;
    try {
      layout = await createZarr(output, { depth, height, width }, src.meta.voxelSize, {
        chunks: [chunkDepth, Math.min(256, height), Math.min(256, width)],
        dtype,
        name: `${src.meta.name} denoised`,
        extra: { model: modelDir, input, method: config.training.method, mode: config.layout.mode, k },
      });
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(firstLine(e));
    }
    await writeManifest(output, { kind: 'zarr', input, model: modelDir, depth, chunkDepth, ranges });
    const shardRanges = rangesForShard(ranges, shard);
    mine = shardRanges.filter((r) => req.overwrite || !existsSync(markerPath(output, r)));
    skipped = shardRanges.length - mine.length;
    if (mine.length > 0) {
      const d = await openDenoiser({ ...req, modelDir }, o);
      try {
        checkVolume(d, src, basename(input));
        const total = mine.reduce((a, m) => a + m.z1 - m.z0, 0);
        await sayWorkload(d, src, src.meta.dtype, total, o);
        o.onEvent?.({ type: 'stage', stage: 'normalise', message: 'fitting the normalisation' });
        // The same normalisation in every shard and in every other door: fitted on the whole volume.
        const source = src;
        const normalisation = await fitInputNormalisation(d, src, (z) => source.readPlane(z));
        const faultAfter = Number(process.env.N2S_FAULT_AFTER_CHUNKS ?? NaN);
        let chunksDone = 0;
        for (const r of mine) {
          throwIfCancelled(o.signal);
          const win = inputWindow(r, k, depth);
          const windowData = await src.readPlanes(win.z0, win.z1);
          const pred = await predictPlanes(d, [{ data: windowData, normalisation }], { depth: win.z1 - win.z0, height, width }, { ...o, planes: { z0: r.z0 - win.z0, z1: r.z1 - win.z0 }, volumeVoxels: depth * height * width });
          await writeZarrPlanes(layout, r.z0, pred);
          await writeMarker(output, r, shard);
          planesDone += r.z1 - r.z0;
          chunksDone++;
          const sec = (Date.now() - t0) / 1000;
          o.onEvent?.({ type: 'chunk', z0: r.z0, z1: r.z1, done: planesDone, total, eta: (sec / planesDone) * (total - planesDone) });
          // Test hook: die like a killed node (no clean-up) after N chunks.
          if (chunksDone === faultAfter) process.kill(process.pid, 'SIGKILL');
        }
      } finally {
        d.dispose();
      }
    }
  } finally {
    await src.close();
  }
  return { kind: 'zarr', output, shard, chunks: mine.length, skipped, planes: planesDone, seconds: (Date.now() - t0) / 1000 };
}

export type { WorkflowEvent };
