import onnxProto from 'onnx-proto'
import type { Tensor } from './types.ts'

const { onnx } = onnxProto

export type SpecDType = 'float32' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool'
/** An attribute: INT/FLOAT by value (FLOAT for FLOAT_ATTRS), INTS, STRING, a TENSOR, `{ floats }`/`{ f }` to force floats, or `{ strings }` (STRINGS). */
export type SpecAttr = number | number[] | string | Tensor | { floats: number[] } | { f: number } | { strings: string[] }

/** Attributes ONNX declares as floats, written as FLOAT even when the value is a whole number. */
const FLOAT_ATTRS = new Set(['alpha', 'beta', 'epsilon', 'min', 'max', 'value', 'momentum', 'ratio', 'value_float', 'bias', 'gamma', 'clip'])

export type OnnxModelSpec = {
  name: string
  /** `dtype` (default float32) is the declared element type. */
  inputs: { name: string; shape: number[]; dtype?: SpecDType }[]
  outputs: { name: string; shape: number[]; dtype?: SpecDType }[]
  /** Float tensors are written as FLOAT rawData; `int64` ones (Reshape shapes) as INT64, `int32` ones (sequence_lens) as INT32, `int8`/`uint8` as such; dtype 'int' as INT64, 'bool' as BOOL. */
  initializers: Record<string, Tensor & { int64?: boolean; int8?: boolean; uint8?: boolean; int32?: boolean }>
  nodes: { opType: string; inputs: string[]; outputs: string[]; name?: string; attributes?: Record<string, SpecAttr> }[]
  opset?: number
  docString?: string
}

/**
 * Writes an ONNX model (opset 13 by default) with onnx-proto: how the bundled models are exported,
 * and how tests craft bad ones. Integers in attributes are written as INT/INTS, other numbers as FLOAT.
 *
 * @example
 * ```ts
 * const bytes = buildOnnxModel({
 *   name: 'relu', inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'y', shape: [1, 2] }],
 *   initializers: {}, nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
 * })
 * ```
 */
export function buildOnnxModel(spec: OnnxModelSpec): Uint8Array {
  const T = onnx.AttributeProto.AttributeType
  const DT = onnx.TensorProto.DataType
  const elem: Record<SpecDType, number> = { float32: DT.FLOAT, float64: DT.DOUBLE, int64: DT.INT64, int32: DT.INT32, int8: DT.INT8, uint8: DT.UINT8, bool: DT.BOOL }
  const valueInfo = (v: { name: string; shape: number[]; dtype?: SpecDType }) =>
    onnx.ValueInfoProto.create({
      name: v.name,
      type: { tensorType: { elemType: elem[v.dtype ?? 'float32'], shape: { dim: v.shape.map((d) => ({ dimValue: d })) } } },
    })
  const tensor = (name: string, t: Tensor & { int64?: boolean; int8?: boolean; uint8?: boolean; int32?: boolean }) =>
    t.int32
      ? onnx.TensorProto.create({ name, dims: t.dims, dataType: DT.INT32, rawData: new Uint8Array(Int32Array.from(t.data).buffer) })
      : t.int8 || t.storage === 'int8'
      ? onnx.TensorProto.create({ name, dims: t.dims, dataType: DT.INT8, rawData: new Uint8Array(Int8Array.from(t.data).buffer) })
      : t.uint8 || t.storage === 'uint8'
      ? onnx.TensorProto.create({ name, dims: t.dims, dataType: DT.UINT8, rawData: Uint8Array.from(t.data) })
      : t.int64 || t.dtype === 'int'
      ? onnx.TensorProto.create({ name, dims: t.dims, dataType: DT.INT64, rawData: new Uint8Array(BigInt64Array.from(t.data, (x) => (x >= 2 ** 63 ? (1n << 63n) - 1n : BigInt(x))).buffer) })
      : t.dtype === 'bool'
        ? onnx.TensorProto.create({ name, dims: t.dims, dataType: DT.BOOL, rawData: Uint8Array.from(t.data, (x) => (x ? 1 : 0)) })
        : onnx.TensorProto.create({ name, dims: t.dims, dataType: DT.FLOAT, rawData: new Uint8Array(Float32Array.from(t.data).buffer) })
  const attribute = (name: string, v: SpecAttr) => {
    if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) })
    if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v })
    if (typeof v === 'object' && 'floats' in v) return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: v.floats })
    if (typeof v === 'object' && 'strings' in v) return onnx.AttributeProto.create({ name, type: T.STRINGS, strings: v.strings.map((x) => new TextEncoder().encode(x)) })
    if (typeof v === 'object' && 'f' in v) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.f })
    if (typeof v === 'object') return onnx.AttributeProto.create({ name, type: T.TENSOR, t: tensor('', v) })
    return Number.isInteger(v) && !FLOAT_ATTRS.has(name)
      ? onnx.AttributeProto.create({ name, type: T.INT, i: v })
      : onnx.AttributeProto.create({ name, type: T.FLOAT, f: v })
  }
  const initializer = Object.entries(spec.initializers).map(([name, t]) => tensor(name, t))
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'zkml-oracle',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    docString: spec.docString ?? '',
    graph: {
      name: spec.name,
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer,
      node: spec.nodes.map((n, i) =>
        onnx.NodeProto.create({
          name: n.name ?? `${n.opType.toLowerCase()}_${i}`,
          opType: n.opType,
          input: n.inputs,
          output: n.outputs,
          attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
        }),
      ),
    },
  })
  return onnx.ModelProto.encode(model).finish()
}
