/**
 * The official ONNX protobuf schema (onnx.proto of ONNX v1.10.2, IR version 8), as compiled to
 * static protobufjs code by the `onnx-proto` package. Everything that writes .onnx bytes goes
 * through here so that one schema version is used project-wide.
 */
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.IModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;

/** IR version written into every model: 8 is what onnx 1.10–1.12 and onnxruntime ≥ 1.10 read. */
export const IR_VERSION = 8;

/** TensorProto.DataType codes used in this project. */
export const DataType = {
  FLOAT: onnx.TensorProto.DataType.FLOAT,
  INT32: onnx.TensorProto.DataType.INT32,
  INT64: onnx.TensorProto.DataType.INT64,
  BOOL: onnx.TensorProto.DataType.BOOL,
} as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** Serialise a ModelProto to the bytes of an .onnx file. */
export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** Parse .onnx bytes (used by tests and by `n2s export` to read back what it wrote). */
export function decodeModel(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
