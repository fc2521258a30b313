/**
 * A hyperstack model folder: ONE folder for a multi-channel / time-lapse acquisition, holding one
 * entry per channel (each an ordinary model folder, model-store.ts) or one joint entry for all
 * channels, and hyperstack.json saying which entry serves which channel and along which axis the
 * neighbours were taken (docs/hyperstacks.md):
 *
 *   model/hyperstack.json
 *   model/channel-0/{config.json, model.json, weights.bin}   one per channel (default), or
 *   model/joint/{...}                                         one network, channels stacked
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { InputMismatchError } from '../errors.ts';

export const HYPERSTACK_MODEL_FILE = 'hyperstack.json';

export const HyperstackModelManifest = z.object({
  format: z.literal('noise2stack-hyperstack-model'),
  version: z.literal(1),
  /** 'per-channel': one network per channel; 'joint': one network, channels stacked as input planes. */
  channels: z.enum(['per-channel', 'joint']),
  /** Axis along which a plane's neighbours were taken: z (planes of a stack) or t (frames). */
  neighbourAxis: z.enum(['z', 't']),
  /** Channel count of the acquisition the model was trained on. */
  inputChannels: z.number().int().positive(),
  entries: z.array(z.object({
    /** Channels this entry denoises (one for per-channel entries, all for the joint one). */
    channels: z.array(z.number().int().min(0)).min(1),
    /** Channel names of the training data, for display and checks. */
    names: z.array(z.string()).optional(),
    /** Sub-folder (relative) holding the entry's model. */
    dir: z.string().regex(/^[A-Za-z0-9._-]+$/),
  })).min(1),
  /** Time points the model was trained on (all of them, sampled across time). */
  trainTimes: z.number().int().positive(),
  createdAt: z.string(),
});
export type HyperstackModelManifest = z.infer<typeof HyperstackModelManifest>;

export async function writeHyperstackManifest(dir: string, m: Omit<HyperstackModelManifest, 'format' | 'version' | 'createdAt'>): Promise<HyperstackModelManifest> {
  const full = HyperstackModelManifest.parse({ format: 'noise2stack-hyperstack-model', version: 1, ...m, createdAt: new Date().toISOString() });
  await mkdir(dir, { recursive: true });
  const path = join(dir, HYPERSTACK_MODEL_FILE);
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, JSON.stringify(full, null, 2) + '\n');
  await rename(tmp, path);
  return full;
}

/** The manifest of a hyperstack model folder, or undefined when `dir` is an ordinary model folder. */
export async function readHyperstackManifest(dir: string): Promise<HyperstackModelManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, HYPERSTACK_MODEL_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${join(dir, HYPERSTACK_MODEL_FILE)} is not valid JSON`);
  }
  const r = HyperstackModelManifest.safeParse(raw);
  if (!r.success) throw new Error(`${join(dir, HYPERSTACK_MODEL_FILE)} is not a hyperstack model manifest: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`);
  return r.data;
}

/** The entry (sub-folder) that denoises channel c. */
export function entryFor(m: HyperstackModelManifest, c: number): HyperstackModelManifest['entries'][number] {
  const e = m.entries.find((x) => x.channels.includes(c));
  if (!e) {
    const have = m.entries.flatMap((x) => x.channels);
    throw new InputMismatchError(
      `the model has no entry for channel ${c}: its training covered channel${have.length === 1 ? '' : 's'} ${have.join(', ')} of ${m.inputChannels} (stopped early?). Train it again, or denoise a trained channel alone (--channel) with its sub-folder (${m.entries[0].dir}/) as the model`,
    );
  }
  return e;
}
