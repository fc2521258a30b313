/**
 * Convolution gradients for @tensorflow/tfjs-backend-wasm 4.22, which has no `Conv2DBackpropFilter`
 * (so it cannot train a convolution as shipped) and a naive-loop `Conv2DBackpropInput` (2.7 s of a
 * 3.7 s step, docs/engines.md). For stride 1, 'same' padding, odd square kernels, NHWC — every conv of our
 * U-Nets — both gradients are ordinary forward convolutions, which the backend runs fast (XNNPACK):
 *   input gradient:  dX = conv2d(dY, W′, 'same'), W′ = W reversed in both spatial axes, in/out swapped;
 *   filter gradient: channels as batch and batch as channels — conv2d(pad(Xᵀ[Ci,H,W,B]),
 *                    dYᵀ[H,W,B,Co], 'valid') has shape [Ci,k,k,Co]; transpose it to [k,k,Ci,Co].
 * The kernels compose the backend's own kernels (Transpose, PadV2, Reverse, Conv2D) directly, so no
 * tensors reach the engine's bookkeeping; intermediates are freed as soon as they are consumed.
 * Other configurations fall back to the shipped input-gradient kernel, or fail with a clear error.
 */
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
interface KernelArgs {
  inputs: Record<string, Info>;
  backend: tf.KernelBackend;
  attrs?: Record<string, unknown>;
}
type KernelFn = (args: KernelArgs) => Info;

function kernel(name: string): KernelFn {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm backend has no ${name} kernel`);
  return k.kernelFunc as unknown as KernelFn;
}

const free = (backend: tf.KernelBackend, ...infos: Info[]) => {
  for (const i of infos) backend.disposeData(i.dataId);
};

/** True when the fast forward-convolution identities apply. */
function simpleSame(
  attrs: Record<string, unknown>,
  filterShape: number[],
): boolean {
  const strides = attrs.strides as number | [number, number];
  const dil = (attrs.dilations ?? 1) as number | [number, number];
  const one = (v: number | [number, number]) => (Array.isArray(v) ? v[0] === 1 && v[1] === 1 : v === 1);
  const [kh, kw] = filterShape;
  return (
    one(strides) &&
    one(dil) &&
    attrs.pad === 'same' &&
    (attrs.dataFormat ?? 'NHWC') === 'NHWC' &&
    kh === kw &&
    kh % 2 === 1
  );
}

function conv(backend: tf.KernelBackend, x: Info, filter: Info, pad: 'same' | 'valid'): Info {
  return kernel('Conv2D')({
    inputs: { x, filter },
    backend,
    attrs: { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined },
  });
}

function transpose(backend: tf.KernelBackend, x: Info, perm: number[]): Info {
  return kernel('Transpose')({ inputs: { x }, backend, attrs: { perm } });
}

function filterGradient(args: KernelArgs): Info {
  const { backend, inputs, attrs = {} } = args;
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  if (!simpleSame(attrs, filterShape)) {
    throw new Error('Conv2DBackpropFilter on wasm supports only stride 1, dilation 1, "same" padding, odd square kernels, NHWC');
  }
  const p = (filterShape[0] - 1) / 2;
  const xt = transpose(backend, x, [3, 1, 2, 0]); // [Ci,H,W,B]
  const xp = kernel('PadV2')({
    inputs: { x: xt },
    backend,
    attrs: { paddings: [[0, 0], [p, p], [p, p], [0, 0]], constantValue: 0 },
  });
  free(backend, xt);
  const dyt = transpose(backend, dy, [1, 2, 0, 3]); // [H,W,B,Co]
  const g = conv(backend, xp, dyt, 'valid'); // [Ci,k,k,Co]
  free(backend, xp, dyt);
  const out = transpose(backend, g, [1, 2, 0, 3]); // [k,k,Ci,Co]
  free(backend, g);
  return out;
}

let shippedInputGradient: KernelFn | undefined;

function inputGradient(args: KernelArgs): Info {
  const { backend, inputs, attrs = {} } = args;
  const { dy, filter } = inputs;
  if (!simpleSame(attrs, filter.shape) && shippedInputGradient) return shippedInputGradient(args);
  const rev = kernel('Reverse')({ inputs: { x: filter }, backend, attrs: { dims: [0, 1] } });
  const swapped = transpose(backend, rev, [0, 1, 3, 2]); // [k,k,Co,Ci]
  free(backend, rev);
  const dx = conv(backend, dy, swapped, 'same');
  free(backend, swapped);
  return dx;
}

let registered = false;

/** Registers both kernels for 'wasm' (idempotent). Call before or after the backend initialises. */
export function registerWasmConvGradients(): void {
  if (registered) return;
  registered = true;
  const shipped = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (shipped) {
    shippedInputGradient = shipped.kernelFunc as unknown as KernelFn;
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  }
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: filterGradient as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: inputGradient as unknown as tf.KernelFunc });
}
