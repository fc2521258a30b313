/**
 * A small typed builder for ONNX graphs. The forward U-Net (forward.ts) and the training graph
 * (train/) are written with it; it knows nothing about neural networks, only about ONNX's
 * ModelProto, so callers stay readable: `g.addNode('Conv', [x, w, b], [y], { pads: [1, 1, 1, 1] })`.
 */
import {
  type AttributeProto,
  type DataTypeCode,
  DataType,
  encodeModel,
  IR_VERSION,
  type ModelProto,
  type NodeProto,
  onnx,
  type TensorProto,
  type ValueInfoProto,
} from './proto.ts';

/** Tensor data accepted for initializers; the typed array decides the ONNX element type. */
export type TensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

/**
 * Attribute values. Plain numbers that are integers become INT, other numbers FLOAT; arrays of
 * integers INTS. Wrap in `{ float }`/`{ floats }` to force a float (e.g. `alpha: { float: 1 }`).
 */
export type AttrValue =
  | number
  | number[]
  | string
  | string[]
  | { float: number }
  | { floats: number[] }
  | { tensor: { dims: number[]; data: TensorData } };

/** A dimension: a fixed size, or a symbolic name (dim_param) for a dynamic axis. */
export type Dim = number | string;

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface ModelInfo {
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** Free-form key/value pairs stored in ModelProto.metadata_props. */
  metadata?: Record<string, string>;
}

const AT = onnx.AttributeProto.AttributeType;

function elemTypeOf(data: TensorData): DataTypeCode {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof BigInt64Array) return DataType.INT64;
  if (data instanceof Int32Array) return DataType.INT32;
  return DataType.BOOL;
}

/** A TensorProto with little-endian raw_data (compact and fast to parse in every runtime). */
export function tensorProto(name: string, dims: number[], data: TensorData): TensorProto {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`tensor ${name}: dims [${dims}] need ${size} values, got ${data.length}`);
  // Typed arrays are little-endian on every platform Node/Electron ships for.
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return { name, dims, dataType: elemTypeOf(data), rawData: raw };
}

function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: AT.INT, i: v } : { name, type: AT.FLOAT, f: v };
  }
  if (typeof v === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') {
      return { name, type: AT.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    }
    const nums = v as number[];
    if (!nums.every(Number.isInteger)) return { name, type: AT.FLOATS, floats: nums };
    return { name, type: AT.INTS, ints: nums };
  }
  if ('float' in v) return { name, type: AT.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AT.FLOATS, floats: v.floats };
  return { name, type: AT.TENSOR, t: tensorProto(name, v.tensor.dims, v.tensor.data) };
}

function valueInfo(name: string, elemType: DataTypeCode, dims: Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly graphName = 'graph') {}

  /** A value name with the given prefix that is not yet defined in this graph (not reserved). */
  fresh(prefix: string): string {
    let n = prefix;
    while (this.names.has(n)) n = `${prefix}_${++this.counter}`;
    return n;
  }

  addInitializer(name: string, dims: number[], data: TensorData): string {
    this.claim(name);
    this.initializers.push(tensorProto(name, dims, data));
    return name;
  }

  /** Adds a node; returns its first output's name for chaining. Node names are generated. */
  addNode(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, domain = ''): string {
    for (const o of outputs) this.claim(o);
    return this.pushNode(opType, inputs, outputs, attrs, domain);
  }

  /** Adds a single-output node whose output name is generated from `prefix`; returns that name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, prefix = opType.toLowerCase()): string {
    const out = this.fresh(prefix);
    this.claim(out);
    return this.pushNode(opType, inputs, [out], attrs, '');
  }

  private pushNode(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue>, domain: string): string {
    this.nodes.push({
      opType,
      domain,
      name: `${opType}_${this.nodes.length}`,
      input: inputs,
      output: outputs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outputs[0];
  }

  addInput(name: string, dims: Dim[], elemType: DataTypeCode = DataType.FLOAT): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares an existing value as a graph output (does not create the value). */
  addOutput(name: string, dims: Dim[], elemType: DataTypeCode = DataType.FLOAT): string {
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /**
   * Drops the nodes (and initializers) nothing reads on the way to a graph output, e.g. a layout
   * conversion emitted eagerly whose result a later rule took in another form.
   */
  pruneUnused(): void {
    const needed = new Set(this.outputs.map((o) => o.name ?? ''));
    const kept: NodeProto[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i];
      if (!(n.output ?? []).some((o) => needed.has(o))) continue;
      kept.push(n);
      for (const v of n.input ?? []) needed.add(v);
    }
    this.nodes.splice(0, this.nodes.length, ...kept.reverse());
    const inits = this.initializers.filter((t) => needed.has(t.name ?? ''));
    this.initializers.splice(0, this.initializers.length, ...inits);
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  toModelProto(opset: number | OpsetImport[], info: ModelInfo = {}): ModelProto {
    const opsetImport = typeof opset === 'number' ? [{ domain: '', version: opset }] : opset;
    return {
      irVersion: IR_VERSION,
      opsetImport,
      producerName: info.producerName ?? 'noise2stack-studio',
      producerVersion: info.producerVersion ?? '',
      docString: info.docString ?? '',
      metadataProps: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
  }

  /** The serialised .onnx bytes for the given default-domain opset (or explicit opset list). */
  toBytes(opset: number | OpsetImport[], info: ModelInfo = {}): Uint8Array {
    return encodeModel(this.toModelProto(opset, info));
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`ONNX value name "${name}" is defined twice`);
    this.names.add(name);
  }
}
