/**
 * Denoising a whole hyperstack (docs/hyperstacks.md) on top of the single-stack denoise core
 * (denoise.ts: openDenoiser, fitInputNormalisation, predictPlanes):
 *
 *   every channel with its own entry of a hyperstack model (or one ordinary model for all), every
 *   time point, neighbours along z (planes) or t (frames) → ONE output with the input's axes,
 *   order, channel names/colours, voxel size and time step.
 *
 * Work is cut into units — a time point's chunk of planes (neighbours along z) or a chunk of frames
 * (along t) — numbered in the flattened (t, z) index so the shard bookkeeping of main/shard (manifest,
 * done-marker per range) applies unchanged. Shard I of N takes a contiguous block of units and writes
 * its planes into one OME-Zarr in place; each unit reads only its planes plus K neighbours, and
 * normalisations are fitted on whole volumes (a time point's z-stack, or a plane's time series), so
 * N shards give exactly the output of one process. Memory: one unit plus its neighbours.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { HyperstackMeta } from '../../shared/hyperstack.ts';
import { HyperstackDenoiseRequest, type HyperstackDenoiseRequestInput } from '../../shared/config/hyperstack-request.ts';
import type { DenoiseStackRequestInput, ShardSpec } from '../../shared/config/denoise.ts';
import { InputMismatchError, ModelFolderError, OutputExistsError, UserError } from '../errors.ts';
import type { ModelConfig } from '../engine/model-store.ts';
import type { Normalisation } from '../engine/types.ts';
import { parseRequest, samePath, throwIfCancelled, type WorkflowOptions } from './common.ts';
import { checkVolume, ensembleFor, fitInputNormalisation, openDenoiser, predictPlanes, readModel, type Denoiser } from './denoise.ts';

export interface HyperstackDenoiseResult {
  kind: 'hyperstack';
  output: string;
  shard: ShardSpec;
  /** Units (chunks of planes or frames) this process denoised, and those already done. */
  units: number;
  skipped: number;
  planes: number;
  /** Whether the output is complete (every unit of every shard written). */
  complete: boolean;
  axis: 'z' | 't';
  seconds: number;
  notes: string[];
}

/** A piece of work: frames [t0, t1) × planes [z0, z1) of every channel. */
interface Unit {
  t0: number;
  t1: number;
  z0: number;
  z1: number;
}

const ALL: ShardSpec = { index: 0, count: 1 };
const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** The range of a unit in the flattened (t, z) plane index, as main/shard's markers name it. */
function flat(u: Unit, depth: number): { z0: number; z1: number } {
  return { z0: u.t0 * depth + u.z0, z1: (u.t1 - 1) * depth + u.z1 };
}

function unitsFor(m: HyperstackMeta, axis: 'z' | 't', chunk: number | undefined): Unit[] {
  const out: Unit[] = [];
  if (axis === 'z') {
    const c = Math.min(chunk ?? m.depth, m.depth);
    for (let t = 0; t < m.times; t++) for (let z0 = 0; z0 < m.depth; z0 += c) out.push({ t0: t, t1: t + 1, z0, z1: Math.min(m.depth, z0 + c) });
  } else {
    const c = Math.min(chunk ?? 1, m.times);
    for (let t0 = 0; t0 < m.times; t0 += c) out.push({ t0, t1: Math.min(m.times, t0 + c), z0: 0, z1: m.depth });
  }
  return out;
}

/** The model entry folder of each channel, from a hyperstack model's manifest or the one model. */
async function channelModels(modelDir: string, channels: number, askedAxis: 'z' | 't' | undefined): Promise<{ dirs: string[]; axis: 'z' | 't'; joint: boolean }> {
  const { readHyperstackManifest, entryFor } = await import('../engine/hyperstack-model.ts');
  let manifest;
  try {
    manifest = await readHyperstackManifest(modelDir);
  } catch (e) {
    throw new ModelFolderError(`${modelDir} is not a usable model folder: ${firstLine(e)}`);
  }
  if (!manifest) return { dirs: Array.from({ length: channels }, () => modelDir), axis: askedAxis ?? 'z', joint: false };
  if (manifest.inputChannels !== channels) {
    throw new InputMismatchError(`the model was trained on ${manifest.inputChannels} channel${manifest.inputChannels === 1 ? '' : 's'}, the input has ${channels}`);
  }
  if (askedAxis && askedAxis !== manifest.neighbourAxis) {
    throw new InputMismatchError(`the model takes neighbours along ${manifest.neighbourAxis}, not ${askedAxis}; leave out --neighbour-axis`);
  }
  return { dirs: Array.from({ length: channels }, (_, c) => join(modelDir, entryFor(manifest, c).dir)), axis: manifest.neighbourAxis, joint: manifest.channels === 'joint' };
}

/** A hyperstack read plane by plane: a file (io/hyperstack.ts openHyperstack) or one in memory (the app). */
export interface HyperstackSource {
  meta: HyperstackMeta;
  readPlane(t: number, c: number, z: number): Promise<Float32Array>;
}

/** The inference settings of a hyperstack denoise: the request without its files. */
export type HyperstackDenoiseSettings = Omit<DenoiseStackRequestInput, 'modelDir'> & { neighbourAxis?: 'z' | 't'; chunkPlanes?: number };

/** The models of a hyperstack denoise, opened lazily, and the units (chunks of planes or frames) they denoise. */
export interface HyperstackDenoiser {
  axis: 'z' | 't';
  /** Which models serve the channels, in words ("one model per channel", "one joint model for all channels"). */
  models: string;
  /** The models' methods, e.g. "n2s self K=2". */
  methods: string;
  units: Unit[];
  /** Denoised planes of a unit, keyed "t,c,z". */
  computeUnit(u: Unit): Promise<Map<string, Float32Array>>;
  /** Engine of the first model opened, e.g. "onnx/cpu" ('' before any unit). */
  engine(): string;
  dispose(): void;
}

/**
 * The one denoising core for hyperstacks, whoever holds the data: n2s denoise and the shards read a
 * file (denoiseHyperstack below), the app its open hyperstack (main/app/jobs/kinds/denoise-hyperstack.ts).
 */
export async function openHyperstackDenoiser(
  src: HyperstackSource,
  modelDir: string,
  req: HyperstackDenoiseSettings,
  /** onPlane: after each plane predicted (the app's progress inside a unit). */
  o: WorkflowOptions & { onPlane?: (plane: number) => void } = {},
): Promise<HyperstackDenoiser> {
  const m = src.meta;
  const denoisers = new Map<string, Denoiser>();
  const { dirs, axis, joint } = await channelModels(modelDir, m.channels, req.neighbourAxis);
  const configs = new Map<string, ModelConfig>();
  for (const dir of new Set(dirs)) configs.set(dir, await readModel(dir));
  const along = axis === 'z' ? m.depth : m.times;
  for (const [c, dir] of dirs.entries()) {
    checkVolume({ config: configs.get(dir)!, background: null }, { depth: along, height: m.height, width: m.width }, `${m.name}${m.channels > 1 ? ` channel ${c}` : ''} (${axis === 'z' ? 'planes' : 'time points'})`);
  }
  const units = unitsFor(m, axis, req.chunkPlanes);
  const describe = [...new Set([...configs.values()].map((cf) => `${cf.training.method} ${cf.layout.mode} K=${cf.layout.k}`))].join(', ');

  const denoiser = async (c: number): Promise<Denoiser> => {
    const dir = dirs[c];
    let d = denoisers.get(dir);
    if (!d) {
      d = await openDenoiser({ ...req, modelDir: dir }, o);
      denoisers.set(dir, d);
    }
    return d;
  };
  // Fitted on whole volumes, so every unit and every shard uses the same normalisation.
  const norms = new Map<string, Normalisation>();
  const normFor = async (d: Denoiser, key: string, depth: number, read: (i: number) => Promise<Float32Array>): Promise<Normalisation> => {
    let n = norms.get(key);
    if (!n) {
      n = await fitInputNormalisation(d, { depth, height: m.height, width: m.width }, read);
      norms.set(key, n);
    }
    return n;
  };
  const hw = m.height * m.width;
  const { inputWindow } = await import('../shard/plan.ts');

  /**
   * The volumes a unit needs along the neighbour axis: one per outer index (along z, each time
   * point over the unit's planes; along t, each plane over the unit's time points), each with the
   * unit's range along the axis, its input window (k neighbours each side), the (t, z) of an index
   * along the axis, a plane reader and the key of its normalisation.
   */
  const volumesOf = (u: Unit, k: number) => {
    const [outer, inner] = axis === 'z' ? [[u.t0, u.t1], [u.z0, u.z1]] : [[u.z0, u.z1], [u.t0, u.t1]];
    return Array.from({ length: outer[1] - outer[0] }, (_, i) => {
      const a = outer[0] + i;
      const at = (b: number): { t: number; z: number } => (axis === 'z' ? { t: a, z: b } : { t: b, z: a });
      const read = (c: number, b: number) => {
        const { t, z } = at(b);
        return src.readPlane(t, c, z);
      };
      return { inner, win: inputWindow({ z0: inner[0], z1: inner[1] }, k, along), at, read, normKey: (c: number) => (axis === 'z' ? `${a},${c}` : `${c},${a}`) };
    });
  };
  type Volume = ReturnType<typeof volumesOf>[number];
  /** Channel c's planes of a volume's input window, in one array. */
  const windowOf = async (v: Volume, c: number): Promise<Float32Array> => {
    const data = new Float32Array((v.win.z1 - v.win.z0) * hw);
    for (let b = v.win.z0; b < v.win.z1; b++) data.set(await v.read(c, b), (b - v.win.z0) * hw);
    return data;
  };
  const windowShape = (v: Volume) => ({ depth: v.win.z1 - v.win.z0, height: m.height, width: m.width });

  /** Denoised planes of a unit with a joint model: all channels' windows in, one plane per channel out. */
  const computeJointUnit = async (u: Unit): Promise<Map<string, Float32Array>> => {
    const out = new Map<string, Float32Array>();
    const d = await denoiser(0);
    // Test-time ensembling decided on one channel's volume, as for per-channel models.
    const predictor = await ensembleFor(d, along * hw, o, { mirrorNeighbours: false });
    const { predictJointPlanes } = await import('../engine/joint-predict.ts');
    const tiling = { tile: d.settings.tile, overlap: d.settings.overlap, batchTiles: d.settings.batchTiles, signal: o.signal };
    for (const v of volumesOf(u, d.config.layout.k)) {
      throwIfCancelled(o.signal);
      const windows: Float32Array[] = [];
      const ns: Normalisation[] = [];
      for (let c = 0; c < m.channels; c++) {
        ns.push(await normFor(d, v.normKey(c), along, (b) => v.read(c, b)));
        windows.push(await windowOf(v, c));
      }
      const pred = await predictJointPlanes(predictor, d.spec, d.config.layout, windows, ns, windowShape(v), v.inner[0] - v.win.z0, v.inner[1] - v.win.z0, tiling);
      for (let b = v.inner[0]; b < v.inner[1]; b++) {
        const { t, z } = v.at(b);
        for (let c = 0; c < m.channels; c++) out.set(`${t},${c},${z}`, pred[b - v.inner[0]][c]);
      }
    }
    return out;
  };

  /** Denoised planes of a unit, keyed "t,c,z". */
  const computeUnit = async (u: Unit): Promise<Map<string, Float32Array>> => {
    if (joint) return computeJointUnit(u);
    const out = new Map<string, Float32Array>();
    for (let c = 0; c < m.channels; c++) {
      throwIfCancelled(o.signal);
      const d = await denoiser(c);
      checkVolume(d, { depth: along, height: m.height, width: m.width }, m.name);
      for (const v of volumesOf(u, d.config.layout.k)) {
        const norm = await normFor(d, v.normKey(c), along, (b) => v.read(c, b));
        const data = await windowOf(v, c);
        const pred = await predictPlanes(d, [{ data, normalisation: norm }], windowShape(v), { ...o, planes: { z0: v.inner[0] - v.win.z0, z1: v.inner[1] - v.win.z0 }, volumeVoxels: along * hw });
        for (let b = v.inner[0]; b < v.inner[1]; b++) {
          const { t, z } = v.at(b);
          out.set(`${t},${c},${z}`, pred.subarray((b - v.inner[0]) * hw, (b - v.inner[0] + 1) * hw));
        }
      }
    }
    return out;
  };

  const models = joint
    ? 'one joint model for all channels'
    : m.channels > 1 && dirs[0] !== dirs[1]
      ? 'one model per channel'
      : m.channels > 1
        ? `one model for all ${m.channels} channels`
        : 'one model';
  return {
    axis,
    models,
    methods: describe,
    units,
    computeUnit,
    engine: () => {
      const d = denoisers.values().next().value;
      return d ? [d.engine.engine, d.engine.provider ?? d.engine.backend].join('/') : '';
    },
    dispose: () => {
      for (const d of denoisers.values()) d.dispose();
      denoisers.clear();
    },
  };
}

/** Denoise a whole hyperstack file (or shard I/N of it) into one output. */
export async function denoiseHyperstack(request: HyperstackDenoiseRequestInput, o: WorkflowOptions = {}): Promise<HyperstackDenoiseResult> {
  const req = parseRequest(HyperstackDenoiseRequest, request);
  const t0 = Date.now();
  const input = resolve(req.input);
  const output = resolve(req.output);
  const modelDir = resolve(req.modelDir);
  const shard = req.shard ?? ALL;
  const toZarr = /\.zarr\/?$/i.test(output);
  if (samePath(input, output)) throw new OutputExistsError(`${req.output} is the input; choose another output`);
  if (shard.count > 1 && !toZarr) throw new InputMismatchError(`--shard writes one OME-Zarr in place from every shard: name the output .zarr (not ${basename(output)})`);
  const { openHyperstack, writeHyperstack } = await import('../io/hyperstack.ts');
  const { resolveOutputDType } = await import('../io/index.ts');
  const src = await openHyperstack(input);
  let hd: HyperstackDenoiser | undefined;
  try {
    const m = src.meta;
    hd = await openHyperstackDenoiser(src, modelDir, req, o);
    const { axis, units, computeUnit } = hd;
    const mine = units.slice(Math.floor((shard.index * units.length) / shard.count), Math.floor(((shard.index + 1) * units.length) / shard.count));
    const { dtype, notes } = resolveOutputDType(m.dtype, req.dtype, toZarr ? 'zarr' : /\.nii(\.gz)?$/i.test(output) ? 'nifti' : /\.ome\.tiff?$/i.test(output) ? 'ome' : 'imagej');
    const outMeta: HyperstackMeta = {
      ...m,
      name: basename(output),
      sourcePath: undefined,
      dtype,
      description: `${m.description ? m.description + '\n' : ''}denoised by Noise2Stack Studio (${hd.models}, neighbours along ${axis}; ${hd.methods})`,
    };
    let planes = 0;
    const totalPlanes = mine.reduce((a, u) => a + (u.t1 - u.t0) * (u.z1 - u.z0) * m.channels, 0);
    const progress = (u: Unit) => {
      planes += (u.t1 - u.t0) * (u.z1 - u.z0) * m.channels;
      const sec = (Date.now() - t0) / 1000;
      const r = flat(u, m.depth);
      o.onEvent?.({ type: 'chunk', z0: r.z0, z1: r.z1, done: planes, total: totalPlanes, eta: (sec / planes) * (totalPlanes - planes) });
    };

    if (toZarr) {
      const { createZarrHyperstackInPlace, writeHyperZarrPlane } = await import('../io/zarr-hyperstack.ts');
      const { finishZarr } = await import('../io/zarr.ts');
      const { writeManifest, markerPath, writeMarker } = await import('../shard/denoise-batch.ts');
      let layout;
      try {
        layout = await createZarrHyperstackInPlace(output, outMeta, { dtype, software: 'Noise2Stack Studio', description: outMeta.description, extra: { model: modelDir, input, axis } });
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw new UserError(firstLine(e));
      }
      const ranges = units.map((u) => flat(u, m.depth));
      await writeManifest(output, { kind: 'zarr', input, model: modelDir, depth: m.times * m.depth, chunkDepth: ranges[0].z1 - ranges[0].z0, ranges });
      let done = 0;
      let skipped = 0;
      let clipped = 0;
      for (const u of mine) {
        throwIfCancelled(o.signal);
        const r = flat(u, m.depth);
        if (!req.overwrite && existsSync(markerPath(output, r))) {
          skipped++;
          continue;
        }
        const got = await computeUnit(u);
        for (const [key, p] of got) {
          const [t, c, z] = key.split(',').map(Number);
          clipped += await writeHyperZarrPlane(layout, t, c, z, p);
        }
        await writeMarker(output, r, shard);
        done++;
        progress(u);
      }
      if (clipped) notes.push(`${clipped} values outside the ${dtype} range were clipped; write float32 (--dtype float32) to keep them`);
      const complete = await finishZarr(output);
      return { kind: 'hyperstack', output, shard, units: done, skipped, planes, complete, axis, seconds: (Date.now() - t0) / 1000, notes };
    }

    // One file (ImageJ / OME-TIFF / NIfTI), written plane by plane in its own order; planes come
    // from the unit that holds them, computed once and kept until the writer moves past it.
    let cached: { u: Unit; planes: Map<string, Float32Array> } | undefined;
    const unitOf = (t: number, z: number) => units.find((u) => t >= u.t0 && t < u.t1 && z >= u.z0 && z < u.z1) as Unit;
    const denoised = {
      meta: outMeta,
      readPlane: async (t: number, c: number, z: number) => {
        const u = unitOf(t, z);
        if (!cached || cached.u !== u) {
          cached = { u, planes: await computeUnit(u) };
          progress(u);
        }
        return cached.planes.get(`${t},${c},${z}`) as Float32Array;
      },
      close: async () => {},
    };
    o.onEvent?.({ type: 'stage', stage: 'write', message: `writing ${basename(output)}` });
    const report = await writeHyperstack(output, denoised, { dtype: req.dtype, overwrite: req.overwrite, protect: [input] });
    return { kind: 'hyperstack', output: report.path, shard, units: units.length, skipped: 0, planes, complete: true, axis, seconds: (Date.now() - t0) / 1000, notes: [...notes, ...report.notes] };
  } finally {
    hd?.dispose();
    await src.close();
  }
}
