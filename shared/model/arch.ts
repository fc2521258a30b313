/**
 * The U-Nets of docs/method.md §3 as data. The tfjs builder (main/engine/tfjs) and the ONNX builders
 * (main/engine/onnx) both read this description, so one set of weights, stored by name, drives
 * every engine. Tensors are NHWC; a conv's weights are `${name}/kernel` [k,k,Cin,Cout] (HWIO, as
 * tfjs stores them) and `${name}/bias` [Cout].
 */
export type ArchName = 'csbdeep' | 'n2n';
export type Activation = 'relu' | 'leaky0.1' | 'linear';

export type ArchNode =
  | { op: 'conv'; name: string; input: string; filters: number; kernel: number; activation: Activation }
  | { op: 'maxpool'; name: string; input: string }
  | { op: 'upsample'; name: string; input: string }
  /** Channel concatenation in the order given (upsampled path first, then the skip, as CSBDeep). */
  | { op: 'concat'; name: string; inputs: [string, string] }
  /**
   * Residual: output = input + mean of the network input's `channels`. In copy-supervised mode the
   * channel is the middle plane i; in self-supervised mode plane i is absent, so we add the mean of
   * the two nearest neighbours (channels k-1 and k), which is what the network would otherwise have
   * to learn to copy. No trainable weights.
   */
  | { op: 'residual'; name: string; input: string; channels: number[] };

export interface ArchSpec {
  arch: ArchName;
  inChannels: number;
  /** Name of the graph input; nodes refer to it by this name. */
  inputName: 'input';
  nodes: ArchNode[];
  output: string;
  /** Height and width fed to the network must be multiples of this (2^pooling levels). */
  divisor: number;
}

export interface ArchOptions {
  arch: ArchName;
  inChannels: number;
  /** Input channels averaged into the residual (csbdeep only); empty for no residual. */
  residualChannels?: number[];
  /** Width multiplier, for tiny test networks (1 = the paper's sizes). */
  widthScale?: number;
  /**
   * Output channels (default 1). A joint hyperstack model (docs/hyperstacks.md) predicts one plane
   * per acquisition channel from all channels' neighbours; it has no residual (csbdeep only).
   */
  outChannels?: number;
}

/** Output channels of a network (the filters of its last conv). */
export function outputChannels(spec: ArchSpec): number {
  const last = [...spec.nodes].reverse().find((n) => n.op === 'conv');
  return last && last.op === 'conv' ? last.filters : 1;
}

/** Channels averaged by the residual for a sampler layout (see ArchNode 'residual'). */
export function defaultResidualChannels(mode: 'self' | 'copy', k: number): number[] {
  if (mode === 'copy') return [k];
  return k >= 1 ? [k - 1, k] : [];
}

export function buildArch(o: ArchOptions): ArchSpec {
  return o.arch === 'csbdeep' ? csbdeep(o) : n2nUnet(o);
}

const w = (n: number, s: number | undefined) => Math.max(1, Math.round(n * (s ?? 1)));

function csbdeep(o: ArchOptions): ArchSpec {
  const s = o.widthScale;
  const nodes: ArchNode[] = [];
  const conv = (name: string, input: string, filters: number, activation: Activation = 'relu') =>
    nodes.push({ op: 'conv', name, input, filters: w(filters, s), kernel: 3, activation });
  conv('down1_conv1', 'input', 32);
  conv('down1_conv2', 'down1_conv1', 32);
  nodes.push({ op: 'maxpool', name: 'down1_pool', input: 'down1_conv2' });
  conv('down2_conv1', 'down1_pool', 64);
  conv('down2_conv2', 'down2_conv1', 64);
  nodes.push({ op: 'maxpool', name: 'down2_pool', input: 'down2_conv2' });
  conv('middle_conv1', 'down2_pool', 128);
  conv('middle_conv2', 'middle_conv1', 64);
  nodes.push({ op: 'upsample', name: 'up2_up', input: 'middle_conv2' });
  nodes.push({ op: 'concat', name: 'up2_cat', inputs: ['up2_up', 'down2_conv2'] });
  conv('up2_conv1', 'up2_cat', 64);
  conv('up2_conv2', 'up2_conv1', 32);
  nodes.push({ op: 'upsample', name: 'up1_up', input: 'up2_conv2' });
  nodes.push({ op: 'concat', name: 'up1_cat', inputs: ['up1_up', 'down1_conv2'] });
  conv('up1_conv1', 'up1_cat', 32);
  conv('up1_conv2', 'up1_conv1', 32);
  const outs = o.outChannels ?? 1;
  nodes.push({ op: 'conv', name: 'out_conv', input: 'up1_conv2', filters: outs, kernel: 3, activation: 'linear' });
  let output = 'out_conv';
  const res = o.residualChannels ?? [];
  if (res.length > 0 && outs > 1) throw new Error('a network with several outputs has no residual');
  if (res.length > 0) {
    for (const c of res) if (c < 0 || c >= o.inChannels) throw new Error(`residual channel ${c} out of range`);
    nodes.push({ op: 'residual', name: 'residual', input: 'out_conv', channels: res });
    output = 'residual';
  }
  return { arch: 'csbdeep', inChannels: o.inChannels, inputName: 'input', nodes, output, divisor: 4 };
}

function n2nUnet(o: ArchOptions): ArchSpec {
  const s = o.widthScale;
  const nodes: ArchNode[] = [];
  const conv = (name: string, input: string, filters: number, activation: Activation = 'leaky0.1') =>
    nodes.push({ op: 'conv', name, input, filters: w(filters, s), kernel: 3, activation });
  conv('enc_conv0', 'input', 48);
  conv('enc_conv1', 'enc_conv0', 48);
  nodes.push({ op: 'maxpool', name: 'pool1', input: 'enc_conv1' });
  let prev = 'pool1';
  for (let l = 2; l <= 5; l++) {
    conv(`enc_conv${l}`, prev, 48);
    nodes.push({ op: 'maxpool', name: `pool${l}`, input: `enc_conv${l}` });
    prev = `pool${l}`;
  }
  conv('enc_conv6', 'pool5', 48);
  prev = 'enc_conv6';
  for (let l = 5; l >= 2; l--) {
    nodes.push({ op: 'upsample', name: `upsample${l}`, input: prev });
    nodes.push({ op: 'concat', name: `concat${l}`, inputs: [`upsample${l}`, `pool${l - 1}`] });
    conv(`dec_conv${l}a`, `concat${l}`, 96);
    conv(`dec_conv${l}b`, `dec_conv${l}a`, 96);
    prev = `dec_conv${l}b`;
  }
  nodes.push({ op: 'upsample', name: 'upsample1', input: prev });
  nodes.push({ op: 'concat', name: 'concat1', inputs: ['upsample1', 'input'] });
  conv('dec_conv1a', 'concat1', 64);
  conv('dec_conv1b', 'dec_conv1a', 32);
  nodes.push({ op: 'conv', name: 'dec_conv1c', input: 'dec_conv1b', filters: 1, kernel: 3, activation: 'linear' });
  return { arch: 'n2n', inChannels: o.inChannels, inputName: 'input', nodes, output: 'dec_conv1c', divisor: 32 };
}

/** The values a node reads (a concat reads several, every other node one). */
export function nodeInputs(n: ArchNode): string[] {
  return n.op === 'concat' ? n.inputs : [n.input];
}

/** How many nodes read each value, by name (graph rewrites fuse only values read once). */
export function useCounts(spec: ArchSpec): Map<string, number> {
  const uses = new Map<string, number>();
  for (const n of spec.nodes) for (const i of nodeInputs(n)) uses.set(i, (uses.get(i) ?? 0) + 1);
  return uses;
}

/** Output channel count of every node (and of the input), for builders and weight shapes. */
export function channelCounts(spec: ArchSpec): Map<string, number> {
  const ch = new Map<string, number>([[spec.inputName, spec.inChannels]]);
  for (const n of spec.nodes) {
    switch (n.op) {
      case 'conv':
        ch.set(n.name, n.filters);
        break;
      case 'concat':
        ch.set(n.name, n.inputs.reduce((a, i) => a + (ch.get(i) ?? NaN), 0));
        break;
      default:
        ch.set(n.name, ch.get(n.input) ?? NaN);
    }
  }
  return ch;
}

export interface WeightShape {
  name: string;
  shape: number[];
}

/** Every trainable tensor, in a fixed order (kernel then bias per conv, in node order). */
export function weightShapes(spec: ArchSpec): WeightShape[] {
  const ch = channelCounts(spec);
  const out: WeightShape[] = [];
  for (const n of spec.nodes) {
    if (n.op !== 'conv') continue;
    const cin = ch.get(n.input);
    if (cin === undefined) throw new Error(`unknown input ${n.input} of ${n.name}`);
    out.push({ name: `${n.name}/kernel`, shape: [n.kernel, n.kernel, cin, n.filters] });
    out.push({ name: `${n.name}/bias`, shape: [n.filters] });
  }
  return out;
}
