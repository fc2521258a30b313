/**
 * Bookkeeping of a sharded denoise (issue 12): the manifest that every shard of one output agrees
 * on, and a done-marker per chunk range. The work itself is the denoise workflow
 * (main/workflows/denoise.ts: denoiseFolder, denoiseZarr); `n2s denoise --shard I/N`, Slurm arrays
 * and `n2s status` all go through it and through these files.
 *
 * - A folder (or a .txt list) of stack files: the manifest lists every input/output pair.
 * - One OME-Zarr volume: the manifest gives the z-chunk ranges; a marker per range says it is written.
 * Shards never write the same file or chunk, and N shards give exactly the output of one process.
 */
import { readFile, mkdir, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import type { PlaneRange, ShardSpec } from './plan.ts';

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

/** Writes the manifest, or checks that the one already there is this run's. */
export async function writeManifest(out: string, m: Manifest): Promise<void> {
  await mkdir(join(out, MANIFEST_DIR, 'done'), { recursive: true });
  const text = JSON.stringify(m, null, 2);
  const prev = existsSync(manifestPath(out)) ? await readFile(manifestPath(out), 'utf8') : undefined;
  if (prev !== undefined && prev !== text) {
    throw new UserError(`${out} holds the output of another run (${manifestPath(out)} differs); choose another --output`);
  }
  if (prev === undefined) await writeAtomic(manifestPath(out), text);
}

/** Marks chunk range `r` complete (after its chunks were written). */
export async function writeMarker(out: string, r: PlaneRange, shard: ShardSpec): Promise<void> {
  await writeAtomic(markerPath(out, r), JSON.stringify({ z0: r.z0, z1: r.z1, shard: `${shard.index}/${shard.count}`, at: new Date().toISOString() }));
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
