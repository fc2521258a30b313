/**
 * Sample stacks shipped with the app, so the app is usable (and testable) without data at hand:
 * synthetic widefield microscopy (main/science/synth-microscopy.ts, generated on demand from a
 * seed) and, when present, the demo MRI volume in assets/data/.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SampleInfo } from '../../../shared/ipc/stacks.ts';
import type { Stack } from '../../../shared/stack.ts';
import { UserError } from '../../errors.ts';

/** What the worker needs to produce a sample (plain data, crosses postMessage). */
export type SampleSource =
  | { kind: 'microscopy'; exposure: 'low' | 'high'; seed: number }
  | { kind: 'file'; path: string };

interface SampleDef {
  info: SampleInfo;
  source: SampleSource;
}

/**
 * Folder holding the shipped data: assets/data/ of the project, three levels up from this source
 * file, or two up from the bundle in dist/main/.
 */
export function assetsDataDir(): string {
  const candidates = ['../../../assets/data/', '../../assets/data/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((d) => existsSync(d)) ?? candidates[0];
}

export class Samples {
  private defs: SampleDef[];

  constructor(dataDir = assetsDataDir()) {
    this.defs = [
      {
        info: {
          id: 'microscopy-low',
          name: 'Synthetic nuclei — 20 ms (noisy)',
          description: 'Seeded widefield z-stack of stained nuclei, 10 planes 2 µm apart, low exposure',
        },
        source: { kind: 'microscopy', exposure: 'low', seed: 7 },
      },
      {
        info: {
          id: 'microscopy-high',
          name: 'Synthetic nuclei — 100 ms (reference)',
          description: 'The same sample imaged at 5× the exposure: the reference for evaluation',
        },
        source: { kind: 'microscopy', exposure: 'high', seed: 7 },
      },
    ];
    const mri = `${dataDir}mri_t1_head_24planes.nii.gz`;
    if (existsSync(mri)) {
      this.defs.push({
        info: {
          id: 'mri-demo',
          name: 'T1 MRI head (24 planes)',
          description: 'Real T1-weighted head MRI, 2×2×3 mm, see assets/data/PROVENANCE.md',
        },
        source: { kind: 'file', path: mri },
      });
    }
  }

  list(): SampleInfo[] {
    return this.defs.map((d) => d.info);
  }

  source(id: string): SampleSource {
    const d = this.defs.find((x) => x.info.id === id);
    if (!d) throw new UserError(`no sample called "${id}"`);
    return d.source;
  }
}

/** Worker side: produce the sample's stack. */
export async function loadSample(source: SampleSource, name: string): Promise<Stack> {
  if (source.kind === 'file') {
    const { readStack } = await import('../../io/index.ts');
    return readStack(source.path);
  }
  const { generateMicroscopy } = await import('../../science/synth-microscopy.ts');
  const stacks = generateMicroscopy({ seed: source.seed });
  const stack = source.exposure === 'low' ? stacks.low : stacks.high;
  return { ...stack, meta: { ...stack.meta, name } };
}
