/**
 * A corrected `ResizeNearestNeighborGrad` for tfjs-backend-cpu 4.22. The shipped kernel offsets dy
 * by the *input's* batch stride (`dyROffset = batchOffset + …` with batchOffset from x's shape),
 * so every batch element after the first gets a wrong gradient through nearest upsampling — and
 * the U-Nets' decoders upsample. Found while checking the ONNX training graph against tf.grads
 * (main/engine/onnx/train/README.md). The wasm backend's kernel is correct.
 *
 * The gradient of nearest resizing sends each dy pixel to the x pixel it was copied from, so this
 * walks dy once (O(dy)) instead of searching windows as the shipped kernel does.
 */
import * as tf from '@tensorflow/tfjs';

type GradInputs = { images: tf.TensorInfo; dy: tf.TensorInfo };
type GradAttrs = { alignCorners: boolean };
interface CpuBackendLike {
  data: { get(id: tf.DataId): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

export function resizeNearestNeighborGradCpu(args: { inputs: GradInputs; backend: CpuBackendLike; attrs: GradAttrs }): tf.TensorInfo {
  const { images, dy } = args.inputs;
  const { alignCorners } = args.attrs;
  const [batch, xH, xW, depth] = images.shape;
  const [, yH, yW] = dy.shape;
  const dyv = args.backend.data.get(dy.dataId).values;
  const out = new Float32Array(batch * xH * xW * depth);
  const hScale = (alignCorners && yH > 1 ? xH - 1 : xH) / (alignCorners && yH > 1 ? yH - 1 : yH);
  const wScale = (alignCorners && yW > 1 ? xW - 1 : xW) / (alignCorners && yW > 1 ? yW - 1 : yW);
  const src = (i: number, scale: number, max: number) => Math.min(max - 1, alignCorners ? Math.round(i * scale) : Math.floor(i * scale));
  const srcCol = Int32Array.from({ length: yW }, (_, c) => src(c, wScale, xW));
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < yH; r++) {
      const xr = src(r, hScale, xH);
      const dyRow = ((b * yH + r) * yW) * depth;
      const xRow = ((b * xH + xr) * xW) * depth;
      for (let c = 0; c < yW; c++) {
        const o = xRow + srcCol[c] * depth;
        const i = dyRow + c * depth;
        for (let d = 0; d < depth; d++) out[o + d] += dyv[i + d];
      }
    }
  }
  return args.backend.makeTensorInfo(images.shape, images.dtype, out);
}

let registered = false;

/** Replaces the cpu backend's ResizeNearestNeighborGrad (idempotent). */
export function registerCpuKernelFixes(): void {
  if (registered) return;
  tf.unregisterKernel('ResizeNearestNeighborGrad', 'cpu');
  tf.registerKernel({
    kernelName: 'ResizeNearestNeighborGrad',
    backendName: 'cpu',
    kernelFunc: resizeNearestNeighborGradCpu as unknown as tf.KernelFunc,
  });
  registered = true;
}
