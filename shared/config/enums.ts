import { z } from 'zod';

/**
 * Every closed list of names the app, the CLI and the IPC share, declared once. Flag parsers, IPC
 * job-kind schemas and UI pickers take their allowed values from here, so a new backend or provider
 * is one edit.
 */
/** n2s-bs: Noise2Stack with a blind spot — neighbours plus the masked target plane (main/engine/sampler.ts). */
export const Method = z.enum(['n2s', 'n2n', 'n2c', 'n2v', 'n2s-bs']);
export type Method = z.infer<typeof Method>;
export const Mode = z.enum(['self', 'copy']);
export type Mode = z.infer<typeof Mode>;
/** TensorFlow.js backends, in the order `auto` tries them after tensorflow-gpu. */
export const Backend = z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
export type Backend = z.infer<typeof Backend>;
/** Inference / training engines. */
export const Engine = z.enum(['auto', 'onnx', 'tfjs']);
export type Engine = z.infer<typeof Engine>;
/** ONNX Runtime execution providers. */
export const Provider = z.enum(['auto', 'cpu', 'webgpu', 'dml', 'cuda', 'coreml']);
export type Provider = z.infer<typeof Provider>;
export const Arch = z.enum(['csbdeep', 'n2n']);
export type Arch = z.infer<typeof Arch>;
export const NormaliseKind = z.enum(['percentile', 'mri', 'none']);
export type NormaliseKind = z.infer<typeof NormaliseKind>;
export const Augment = z.enum(['rot-flip', 'translate', 'none']);
export type Augment = z.infer<typeof Augment>;
export const ValSplit = z.enum(['plane', 'stack']);
export type ValSplit = z.infer<typeof ValSplit>;
/** Sample type of a written stack; keep = the input's own. */
export const OutputDtype = z.enum(['float32', 'keep', 'uint16', 'uint8']);
export type OutputDtype = z.infer<typeof OutputDtype>;
/** How a prediction is compared with its reference (docs/method.md §7). */
export const EvalNormalisation = z.enum(['percentile-affine', 'none']);
export type EvalNormalisation = z.infer<typeof EvalNormalisation>;

/** The tfjs backends proper (without `auto`), in the order `auto` tries them. */
export const TFJS_BACKENDS = Backend.options.filter((b): b is Exclude<Backend, 'auto'> => b !== 'auto');
/** ONNX Runtime providers that run on a GPU (auto prefers them when one loads). */
export const GPU_PROVIDERS: readonly Provider[] = ['webgpu', 'dml', 'cuda', 'coreml'];
