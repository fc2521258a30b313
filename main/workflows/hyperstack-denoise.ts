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
import { checkVolume, fitInputNormalisation, openDenoiser, predictPlanes, readModel, type Denoiser } from './denoise.ts';

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

  /** Denoised planes of a unit with a joint model: all channels' windows in, one plane per channel out. */
  const computeJointUnit = async (u: Unit): Promise<Map<string, Float32Array>> => {
    const out = new Map<string, Float32Array>();
    const d = await denoiser(0);
    const k = d.config.layout.k;
    // Test-time ensembling decided as for one channel's volume (predictPlanes), so every unit and
    // shard agrees; never the mirrored neighbour order, which would swap a joint model's channels.
    const { ttaFor, withTta } = await import('../engine/tta.ts');
    const tta = ttaFor(d.settings.tta, along * hw, d.spec.inChannels, d.engine);
    if (d.ttaUsed !== tta.use) o.onEvent?.({ type: 'log', line: tta.why });
    d.ttaUsed = tta.use;
    const predictor = tta.use ? withTta(d.predictor, { ...tta.options, mirrorNeighbours: false }) : d.predictor;
    // (first index along the axis, last+1, the fixed index of the other axis) of each volume the unit needs
    const jobs = axis === 'z'
      ? Array.from({ length: u.t1 - u.t0 }, (_, i) => ({ fixed: u.t0 + i, a0: u.z0, a1: u.z1, len: m.depth }))
      : Array.from({ length: u.z1 - u.z0 }, (_, i) => ({ fixed: u.z0 + i, a0: u.t0, a1: u.t1, len: m.times }));
    for (const job of jobs) {
      throwIfCancelled(o.signal);
      const read = (c: number, i: number) => (axis === 'z' ? src.readPlane(job.fixed, c, i) : src.readPlane(i, c, job.fixed));
      const win = inputWindow({ z0: job.a0, z1: job.a1 }, k, job.len);
      const windows: Float32Array[] = [];
      const ns: Normalisation[] = [];
      for (let c = 0; c < m.channels; c++) {
        const n = await normFor(d, axis === 'z' ? `${job.fixed},${c}` : `${c},${job.fixed}`, job.len, (i) => read(c, i));
        const data = new Float32Array((win.z1 - win.z0) * hw);
        for (let i = win.z0; i < win.z1; i++) data.set(await read(c, i), (i - win.z0) * hw);
        windows.push(data);
        ns.push(n);
      }
      const { predictJointPlanes } = await import('../engine/joint-predict.ts');
      const tiling = { tile: d.settings.tile, overlap: d.settings.overlap, batchTiles: d.settings.batchTiles, signal: o.signal };
      const pred = await predictJointPlanes(predictor, d.spec, d.config.layout, windows, ns, { depth: win.z1 - win.z0, height: m.height, width: m.width }, job.a0 - win.z0, job.a1 - win.z0, tiling);
      for (let i = job.a0; i < job.a1; i++) {
        for (let c = 0; c < m.channels; c++) {
          const t = axis === 'z' ? job.fixed : i;
          const z = axis === 'z' ? i : job.fixed;
          out.set(`${t},${c},${z}`, pred[i - job.a0][c]);
        }
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
      const k = d.config.layout.k;
      // One prediction per outer index over the unit's range of the neighbour axis: along z, per
      // time point over planes; along t, per plane over time points.
      const [outer, inner] = axis === 'z' ? [[u.t0, u.t1], [u.z0, u.z1]] : [[u.z0, u.z1], [u.t0, u.t1]];
      for (let a = outer[0]; a < outer[1]; a++) {
        const at = (b: number): { t: number; z: number } => (axis === 'z' ? { t: a, z: b } : { t: b, z: a });
        const read = (b: number) => {
          const { t, z } = at(b);
          return src.readPlane(t, c, z);
        };
        const norm = await normFor(d, axis === 'z' ? `${a},${c}` : `${c},${a}`, along, read);
        const win = inputWindow({ z0: inner[0], z1: inner[1] }, k, along);
        const data = new Float32Array((win.z1 - win.z0) * hw);
        for (let b = win.z0; b < win.z1; b++) data.set(await read(b), (b - win.z0) * hw);
        const pred = await predictPlanes(d, [{ data, normalisation: norm }], { depth: win.z1 - win.z0, height: m.height, width: m.width }, { ...o, planes: { z0: inner[0] - win.z0, z1: inner[1] - win.z0 }, volumeVoxels: along * hw });
        for (let b = inner[0]; b < inner[1]; b++) {
          const { t, z } = at(b);
          out.set(`${t},${c},${z}`, pred.subarray((b - inner[0]) * hw, (b - inner[0] + 1) * hw));
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
