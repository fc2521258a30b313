/**
 * The standalone ONNX file of `n2s export --format onnx`: the forward graph of forward.ts in NCHW
 * (input "input" [batch, C, height, width], output "output" [batch, 1, height, width], dynamic
 * batch/height/width, opset FORWARD_OPSET), with the model's sampler layout and normalisation in
 * metadata_props so a user of the bare file knows what to feed it.
 */
import type { ArchSpec } from '../../../../shared/model/arch.ts';
import type { NamedWeights } from '../../../../shared/model/init.ts';
import type { Normalisation } from '../../types.ts';
import { buildForwardModel, FORWARD_OPSET } from '../forward.ts';

export interface ExportSource {
  spec: ArchSpec;
  weights: NamedWeights;
  /** Sampler layout: which planes feed the network (self: i±1..i±k; copy: i-k..i+k). */
  layout?: { mode: 'self' | 'copy'; k: number };
  normalisation?: Normalisation;
  /** Training method (n2s, n2n, …) for the description. */
  method?: string;
}

/** Names of the input channels in order, e.g. ["plane_m1", "plane_p1"] for self-supervised k = 1. */
export function channelNames(src: ExportSource): string[] {
  const c = src.spec.inChannels;
  const layout = src.layout;
  if (!layout) return Array.from({ length: c }, (_, i) => `channel${i}`);
  const offsets: number[] = [];
  for (let d = -layout.k; d <= layout.k; d++) if (d !== 0 || layout.mode === 'copy') offsets.push(d);
  if (offsets.length !== c) return Array.from({ length: c }, (_, i) => `channel${i}`);
  return offsets.map((d) => (d === 0 ? 'plane_0' : d < 0 ? `plane_m${-d}` : `plane_p${d}`));
}

export function describeInput(src: ExportSource): string {
  const names = channelNames(src);
  const planes = names.map((n) => n.replace('plane_m', 'i-').replace('plane_p', 'i+').replace('plane_0', 'i')).join(', ');
  return `planes ${planes} of a stack (NCHW float32) to predict plane i`;
}

export function buildExportOnnx(src: ExportSource): Uint8Array {
  return buildForwardModel(src.spec, src.weights, {
    layout: 'nchw',
    info: {
      docString:
        `Noise2Stack ${src.spec.arch} U-Net (Papkov et al. 2021, arXiv:2011.05105). Input "input" [batch, ${src.spec.inChannels}, height, width]: ` +
        `${describeInput(src)}; height and width multiples of ${src.spec.divisor}. Output "output" [batch, 1, height, width]: ` +
        `the denoised plane i in the normalised intensities of the input. ONNX opset ${FORWARD_OPSET}.`,
      metadata: {
        'noise2stack.arch': src.spec.arch,
        'noise2stack.in_channels': String(src.spec.inChannels),
        'noise2stack.channels': channelNames(src).join(','),
        'noise2stack.divisor': String(src.spec.divisor),
        'noise2stack.layout': JSON.stringify(src.layout ?? null),
        'noise2stack.normalisation': JSON.stringify(src.normalisation ?? null),
        'noise2stack.opset': String(FORWARD_OPSET),
      },
    },
  });
}
