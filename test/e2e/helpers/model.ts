/**
 * A tiny trained model for browser tests, made through the product's own path: a synthetic noisy
 * stack written with the io writer, then `n2s train` with a network an eighth of the paper's width
 * and a handful of steps. Seconds, not minutes; it is not meant to denoise well.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeStack } from '../../../main/io/index.ts';
import { generateMicroscopy } from '../../../main/science/synth-microscopy.ts';

const BIN = fileURLToPath(new URL('../../../bin/n2s.mjs', import.meta.url));

export async function trainTinyModel(dir: string): Promise<string> {
  const input = join(dir, 'tiny-noisy.tif');
  await writeStack(input, generateMicroscopy({ seed: 3, depth: 6, height: 64, width: 64 }).low, { format: 'imagej', dtype: 'float32' });
  const model = join(dir, 'tiny-model');
  const args = [BIN, 'train', '--input', input, '--out', model, '--width-scale', '0.125', '--epochs', '1', '--steps-per-epoch', '3', '--batch', '2', '--patch', '16', '--backend', 'wasm'];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`n2s train failed (${r.status}): ${r.stderr}`);
  return model;
}
