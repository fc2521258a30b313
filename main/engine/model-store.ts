/**
 * A model folder:
 *   model.json   tfjs layers format (topology + weightsManifest), loadable by tf.loadLayersModel
 *   weights.bin  float32 little-endian, weights in the manifest's order, named `${conv}/kernel|bias`
 *   config.json  the training config, the architecture spec, normalisation, losses and history
 * readWeights() reads weights.bin through the manifest without tfjs, so the ONNX engine loads the
 * very same files. Every file is written to a temporary name and renamed into place.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { type ArchSpec, weightShapes } from '../../shared/model/arch.ts';
import type { NamedWeights } from '../../shared/model/init.ts';
import { TrainingConfig } from '../../shared/config/training.ts';
import { Arch, Mode } from '../../shared/config/enums.ts';
import type { EngineReport, HistoryPoint, Normalisation } from './types.ts';
import type { TrainResult } from './train.ts';

const Activation = z.enum(['relu', 'leaky0.1', 'linear']);
const ArchNodeSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('conv'), name: z.string(), input: z.string(), filters: z.number().int().positive(), kernel: z.number().int().positive(), activation: Activation }),
  z.object({ op: z.literal('maxpool'), name: z.string(), input: z.string() }),
  z.object({ op: z.literal('upsample'), name: z.string(), input: z.string() }),
  z.object({ op: z.literal('concat'), name: z.string(), inputs: z.tuple([z.string(), z.string()]) }),
  z.object({ op: z.literal('residual'), name: z.string(), input: z.string(), channels: z.array(z.number().int().min(0)) }),
]);
export const ArchSpecSchema = z.object({
  arch: Arch,
  inChannels: z.number().int().positive(),
  inputName: z.literal('input'),
  nodes: z.array(ArchNodeSchema),
  output: z.string(),
  divisor: z.number().int().positive(),
});

export const NormalisationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('percentile'), pLow: z.number(), pHigh: z.number(), low: z.number(), high: z.number(), background: z.boolean().optional() }),
  z.object({ kind: z.literal('mri'), min: z.number(), max: z.number() }),
  z.object({ kind: z.literal('none') }),
]);

const HistorySchema = z.array(z.object({ epoch: z.number(), loss: z.number(), valLoss: z.number().nullable(), lr: z.number(), seconds: z.number() }));

export const ModelConfigSchema = z.object({
  format: z.literal('noise2stack-model'),
  version: z.literal(1),
  training: TrainingConfig,
  layout: z.object({ mode: Mode, k: z.number().int().min(0), inChannels: z.number().int().positive() }),
  arch: ArchSpecSchema,
  normalisation: NormalisationSchema,
  losses: z.object({ finalLoss: z.number().nullable(), bestValLoss: z.number().nullable(), bestEpoch: z.number().int() }),
  history: HistorySchema,
  engine: z.object({ engine: z.enum(['tfjs', 'onnx']), backend: z.string(), provider: z.string().optional() }).passthrough(),
  createdAt: z.string(),
  cancelled: z.boolean().optional(),
  /** Camera background pattern subtracted from every plane before normalisation (docs/method.md §5). */
  background: z.object({ file: z.literal('background.bin'), height: z.number().int().positive(), width: z.number().int().positive() }).optional(),
});
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

const ManifestSchema = z.object({
  format: z.string().optional(),
  modelTopology: z.unknown(),
  weightsManifest: z.array(
    z.object({
      paths: z.array(z.string()),
      weights: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().min(0)), dtype: z.string() })),
    }),
  ),
});

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export interface SaveModelInput {
  config: Omit<ModelConfig, 'format' | 'version' | 'createdAt' | 'arch' | 'engine'> & { engine: EngineReport };
  spec: ArchSpec;
  weights: NamedWeights;
  /** tfjs layers topology (LayersModel.toJSON(null, false)); built from the spec when omitted. */
  topology?: unknown;
  /** Camera background pattern (one plane) to store with the model. */
  background?: { data: Float32Array; height: number; width: number };
}

/** The tfjs layers topology for a spec (builds a throw-away model on the active tfjs backend). */
async function topologyFor(spec: ArchSpec): Promise<unknown> {
  const { buildUnet } = await import('./tfjs/unet.ts');
  const { selectBackend } = await import('./tfjs/backend.ts');
  await selectBackend('auto');
  const m = buildUnet(spec);
  const topo = m.toJSON(null, false);
  m.dispose();
  return topo;
}

export async function saveModel(dir: string, input: SaveModelInput): Promise<void> {
  await mkdir(dir, { recursive: true });
  const shapes = weightShapes(input.spec);
  let bytes = 0;
  for (const s of shapes) bytes += s.shape.reduce((a, b) => a * b, 1) * 4;
  const bin = new Uint8Array(bytes);
  const view = new Float32Array(bin.buffer);
  let off = 0;
  for (const s of shapes) {
    const w = input.weights.get(s.name);
    const size = s.shape.reduce((a, b) => a * b, 1);
    if (!w || w.data.length !== size) throw new Error(`cannot save: weight ${s.name} missing or of the wrong size`);
    view.set(w.data, off);
    off += size;
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'Noise2Stack Studio (tfjs-layers 4.22 topology)',
    convertedBy: null,
    modelTopology: input.topology ?? (await topologyFor(input.spec)),
    weightsManifest: [{ paths: ['weights.bin'], weights: shapes.map((s) => ({ name: s.name, shape: s.shape, dtype: 'float32' })) }],
  };
  const config: ModelConfig = ModelConfigSchema.parse({
    format: 'noise2stack-model',
    version: 1,
    ...input.config,
    arch: input.spec,
    createdAt: new Date().toISOString(),
    ...(input.background ? { background: { file: 'background.bin', height: input.background.height, width: input.background.width } } : {}),
  });
  if (input.background) {
    const bg = input.background;
    if (bg.data.length !== bg.height * bg.width) throw new Error('background pattern has the wrong size');
    await writeAtomic(join(dir, 'background.bin'), new Uint8Array(bg.data.buffer.slice(bg.data.byteOffset, bg.data.byteOffset + bg.data.byteLength)));
  }
  await writeAtomic(join(dir, 'weights.bin'), bin);
  await writeAtomic(join(dir, 'model.json'), JSON.stringify(modelJson));
  await writeAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2));
}

/** Saves what trainModel returned (best weights, config, losses, history, background pattern). */
export async function saveTrainResult(dir: string, r: TrainResult, plane: { height: number; width: number }): Promise<void> {
  await saveModel(dir, {
    spec: r.spec,
    weights: r.weights,
    background: r.background ? { data: r.background, height: plane.height, width: plane.width } : undefined,
    config: {
      training: r.config,
      layout: r.layout,
      normalisation: r.normalisation,
      losses: { finalLoss: r.finalLoss, bestValLoss: r.bestValLoss, bestEpoch: r.bestEpoch },
      history: r.history,
      engine: r.engine,
      cancelled: r.cancelled,
    },
  });
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${what} not found: ${path}` : `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
}

/** The model folder's config.json, validated. */
export async function readModelConfig(dir: string): Promise<ModelConfig> {
  const raw = await readJson(join(dir, 'config.json'), 'model config');
  const r = ModelConfigSchema.safeParse(raw);
  if (!r.success) throw new Error(`${join(dir, 'config.json')} is not a Noise2Stack model config: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`);
  return r.data as ModelConfig;
}

/** Named weights from model.json's manifest and its binary files, without tfjs. */
export async function readWeights(dir: string): Promise<NamedWeights> {
  const raw = await readJson(join(dir, 'model.json'), 'model.json');
  const m = ManifestSchema.safeParse(raw);
  if (!m.success) throw new Error(`${join(dir, 'model.json')} has no valid weightsManifest`);
  const out: NamedWeights = new Map();
  for (const group of m.data.weightsManifest) {
    const parts = await Promise.all(group.paths.map((p) => readFile(join(dir, p))));
    const total = parts.reduce((a, b) => a + b.length, 0);
    const buf = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      buf.set(p, o);
      o += p.length;
    }
    let off = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32') throw new Error(`weight ${w.name} has dtype ${w.dtype}; only float32 is supported`);
      const size = w.shape.reduce((a, b) => a * b, 1);
      if (off + size * 4 > total) throw new Error(`weights file too short for ${w.name}`);
      // Copy into an aligned buffer (the file buffer's offset need not be a multiple of 4).
      const data = new Float32Array(size);
      new Uint8Array(data.buffer).set(buf.subarray(off, off + size * 4));
      out.set(w.name, { shape: w.shape, data });
      off += size * 4;
    }
  }
  return out;
}

/** The model's camera background pattern (one plane, row-major), or null when it has none. */
export async function readBackground(dir: string, config: ModelConfig): Promise<Float32Array | null> {
  if (!config.background) return null;
  const { height, width } = config.background;
  const buf = await readFile(join(dir, 'background.bin'));
  if (buf.length !== height * width * 4) throw new Error(`${join(dir, 'background.bin')} does not hold ${height}×${width} float32 values`);
  const out = new Float32Array(height * width);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/** Everything needed to predict with a model folder. */
export async function loadModel(dir: string): Promise<{ config: ModelConfig; spec: ArchSpec; weights: NamedWeights; background: Float32Array | null }> {
  const config = await readModelConfig(dir);
  const weights = await readWeights(dir);
  const spec = config.arch as ArchSpec;
  for (const s of weightShapes(spec)) {
    const w = weights.get(s.name);
    if (!w || w.shape.join('x') !== s.shape.join('x')) throw new Error(`model ${dir}: weight ${s.name} missing or of the wrong shape`);
  }
  return { config, spec, weights, background: await readBackground(dir, config) };
}

export type { HistoryPoint, Normalisation };
