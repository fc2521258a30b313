/**
 * Optional user-supplied TensorFlow.js segmentation model (graph or layers format, a folder with
 * model.json and its weight shards) that maps one plane to a foreground probability map, applied
 * as the paper did with its pre-trained network (docs/method.md §9): per-plane mean/std
 * standardisation, probability thresholded at 0.5.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { selectBackend, type BackendChoice } from '../engine/tfjs/backend.ts';

export class SegmentationModelError extends Error {}

const ModelJson = z.object({
  format: z.string().optional(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(z.record(z.string(), z.unknown())) })),
});

export interface SegmentationModel {
  kind: 'graph' | 'layers';
  /** tfjs backend the model runs on. */
  backend: string;
  /** Foreground probability of every pixel of one plane (row-major h×w). */
  predictPlane(plane: Float32Array, height: number, width: number): Promise<Float32Array>;
  dispose(): void;
}

/** Graph models carry a `node` list (or format "graph-model"); layers models a Keras config. */
export function modelKind(json: { format?: string; modelTopology: Record<string, unknown> }): 'graph' | 'layers' {
  if (json.format === 'graph-model' || Array.isArray(json.modelTopology.node)) return 'graph';
  return 'layers';
}

/** Reads model.json and its shards from disk without tfjs-node's file:// handler (absent here). */
function fileHandler(dir: string, raw: unknown): tf.io.IOHandler {
  return {
    load: () =>
      tf.io.getModelArtifactsForJSON(raw as tf.io.ModelJSON, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const b = await readFile(join(dir, p)).catch(() => {
              throw new SegmentationModelError(`model weight file ${p} is missing in ${dir}`);
            });
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      }),
  };
}

/** Edge-replicating pad of a plane to multiples of `m`, so U-Nets with several poolings accept it. */
function padPlane(plane: Float32Array, h: number, w: number, m: number): { data: Float32Array; ph: number; pw: number } {
  const ph = Math.ceil(h / m) * m;
  const pw = Math.ceil(w / m) * m;
  const data = new Float32Array(ph * pw);
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(y, h - 1);
    for (let x = 0; x < pw; x++) data[y * pw + x] = plane[sy * w + Math.min(x, w - 1)]!;
  }
  return { data, ph, pw };
}

export function standardise(plane: Float32Array): Float32Array {
  let mean = 0;
  for (let i = 0; i < plane.length; i++) mean += plane[i]!;
  mean /= plane.length;
  let v = 0;
  for (let i = 0; i < plane.length; i++) v += (plane[i]! - mean) ** 2;
  const sd = Math.sqrt(v / plane.length) || 1;
  const out = new Float32Array(plane.length);
  for (let i = 0; i < plane.length; i++) out[i] = (plane[i]! - mean) / sd;
  return out;
}

export async function loadSegmentationModel(dir: string, backend: BackendChoice = 'auto', log?: (line: string) => void): Promise<SegmentationModel> {
  const jsonPath = join(dir, 'model.json');
  const st = await stat(jsonPath).catch(() => null);
  if (!st?.isFile()) throw new SegmentationModelError(`no model.json in ${dir} (expected a TensorFlow.js graph or layers model folder)`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (e) {
    throw new SegmentationModelError(`${jsonPath} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = ModelJson.safeParse(raw);
  if (!parsed.success) throw new SegmentationModelError(`${jsonPath} is not a TensorFlow.js model (needs modelTopology and weightsManifest)`);
  const used = await selectBackend(backend, log);
  const kind = modelKind(parsed.data);
  const handler = fileHandler(dir, raw);
  const model = kind === 'graph' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
  return {
    kind,
    backend: used,
    async predictPlane(plane, height, width) {
      // 32 covers U-Nets with up to five 2× poolings.
      const { data, ph, pw } = padPlane(standardise(plane), height, width, 32);
      const out = tf.tidy(() => {
        const x = tf.tensor4d(data, [1, ph, pw, 1]);
        const y = model.predict(x);
        const t = Array.isArray(y) ? y[0]! : y instanceof tf.Tensor ? y : Object.values(y)[0]!;
        if (t.rank !== 4 || t.shape[1] !== ph || t.shape[2] !== pw) {
          throw new SegmentationModelError(`model output has shape [${t.shape.join(',')}], expected [1,${ph},${pw},C] for a [1,${ph},${pw},1] input`);
        }
        const c = t.shape[3]!;
        if (c > 2) throw new SegmentationModelError(`model outputs ${c} channels; expected 1 (foreground probability) or 2 (background, foreground)`);
        // Two channels: softmax over (background, foreground); keep the foreground.
        return t.slice([0, 0, 0, c - 1], [1, ph, pw, 1]);
      });
      const full = (await out.data()) as Float32Array;
      out.dispose();
      const prob = new Float32Array(height * width);
      for (let y = 0; y < height; y++) prob.set(full.subarray(y * pw, y * pw + width), y * width);
      return prob;
    },
    dispose: () => model.dispose(),
  };
}
