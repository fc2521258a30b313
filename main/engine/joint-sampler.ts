/**
 * The joint hyperstack sampler (docs/hyperstacks.md): one network for all channels of an
 * acquisition. For target plane i the input holds every channel's neighbour planes (channel-major:
 * channel 0's 2K planes, then channel 1's, …) and the target holds plane i of every channel, so
 * the network has one output per channel. Each example is the single-stack sampler's example
 * (sampler.ts writeExample: same plane, crop and augmentation for every channel, drawn from one
 * per-example seed), interleaved channel by channel.
 */
import { createRng } from '../../shared/random.ts';
import { samplerChannels, writeExample, type PlaneRef, type SamplerOptions, type Volume } from './sampler.ts';
import type { Batch } from './types.ts';

/** One training volume of every channel (normalised), all of one shape. */
export interface JointVolume {
  depth: number;
  height: number;
  width: number;
  channels: Float32Array[];
}

export function* streamJointBatches(volumes: JointVolume[], planes: PlaneRef[], o: SamplerOptions, seed: number): Generator<Batch> {
  if (o.method !== 'n2s' || o.mode !== 'self') throw new Error('joint training is self-supervised Noise2Stack (n2s, self mode)');
  if (planes.length === 0) throw new Error('no planes to sample from');
  const C = volumes[0]?.channels.length ?? 0;
  if (C < 1 || volumes.some((v) => v.channels.length !== C)) throw new Error('every joint volume needs the same channels');
  const perChannel: Volume[][] = Array.from({ length: C }, (_, c) => volumes.map((v) => ({ depth: v.depth, height: v.height, width: v.width, a: v.channels[c] })));
  const rng = createRng(seed);
  const one = samplerChannels(o);
  const cin = C * one;
  const p = o.patch;
  const pp = p * p;
  const tmp: Batch = { x: new Float32Array(pp * one), y: new Float32Array(pp), n: 1, h: p, w: p, cin: one };
  for (;;) {
    const b: Batch = { x: new Float32Array(o.batch * pp * cin), y: new Float32Array(o.batch * pp * C), n: o.batch, h: p, w: p, cin, cout: C };
    for (let s = 0; s < o.batch; s++) {
      const exampleSeed = Math.floor(rng.next() * 2 ** 31);
      for (let c = 0; c < C; c++) {
        writeExample(perChannel[c], planes, o, createRng(exampleSeed), tmp, 0);
        for (let q = 0; q < pp; q++) {
          const at = s * pp + q;
          for (let k = 0; k < one; k++) b.x[at * cin + c * one + k] = tmp.x[q * one + k];
          b.y[at * C + c] = tmp.y[q];
        }
      }
    }
    yield b;
  }
}
