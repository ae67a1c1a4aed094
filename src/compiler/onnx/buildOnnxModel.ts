import onnxProto from 'onnx-proto'
import type { Tensor } from './types.ts'

const { onnx } = onnxProto

export type OnnxModelSpec = {
  name: string
  inputs: { name: string; shape: number[] }[]
  outputs: { name: string; shape: number[] }[]
  /** Float tensors are written as FLOAT rawData; `int64` ones (Reshape shapes) as INT64. */
  initializers: Record<string, Tensor & { int64?: boolean }>
  nodes: { opType: string; inputs: string[]; outputs: string[]; name?: string; attributes?: Record<string, number | number[] | string> }[]
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
  const valueInfo = (v: { name: string; shape: number[] }) =>
    onnx.ValueInfoProto.create({
      name: v.name,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: v.shape.map((d) => ({ dimValue: d })) } } },
    })
  const attribute = (name: string, v: number | number[] | string) => {
    if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) })
    if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v })
    return Number.isInteger(v) && name !== 'alpha' && name !== 'beta'
      ? onnx.AttributeProto.create({ name, type: T.INT, i: v })
      : onnx.AttributeProto.create({ name, type: T.FLOAT, f: v })
  }
  const initializer = Object.entries(spec.initializers).map(([name, t]) =>
    t.int64
      ? onnx.TensorProto.create({ name, dims: t.dims, dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(BigInt64Array.from(t.data, (x) => BigInt(x)).buffer) })
      : onnx.TensorProto.create({ name, dims: t.dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(t.data).buffer) }),
  )
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
