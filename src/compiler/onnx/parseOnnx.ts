import onnxProto from 'onnx-proto'
import { BaseError } from '../../errors/index.ts'
import { inferShapes } from './evaluateFloat.ts'
import { SUPPORTED_OPS, type AttrValue, type OnnxGraph, type OnnxNode, type Tensor, type ValueInfo } from './types.ts'

const { onnx } = onnxProto

type LongLike = number | { toNumber(): number; low: number; high: number } | null | undefined

/** int64 from protobufjs (number or Long) → number, refusing values a double can't hold exactly. */
export function longToNumber(v: LongLike, what: string): number {
  if (v === null || v === undefined) return 0
  const n = typeof v === 'number' ? v : v.toNumber()
  if (!Number.isSafeInteger(n))
    throw new BaseError('ONNX_MALFORMED', `Integer out of range in ${what}.`, { details: `expected a value within ±2^53, got ${String(v)}` })
  return n
}

/** Copies a (possibly unaligned, offset) byte view into a fresh buffer a typed array can sit on. */
function aligned(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength)
  new Uint8Array(out).set(bytes)
  return out
}

/** Decodes a TensorProto's values into float64, honouring rawData (little-endian) and typed fields. */
export function decodeTensor(t: onnxProto.onnx.ITensorProto, what: string): Tensor {
  const dims = (t.dims ?? []).map((d) => longToNumber(d as LongLike, `${what} dims`))
  const n = dims.reduce((a, b) => a * b, 1)
  const DT = onnx.TensorProto.DataType
  const raw = t.rawData && t.rawData.length > 0 ? aligned(t.rawData) : undefined
  let data: Float64Array
  switch (t.dataType ?? 0) {
    case DT.FLOAT:
      data = Float64Array.from(raw ? new Float32Array(raw) : t.floatData ?? [])
      break
    case DT.DOUBLE:
      data = raw ? new Float64Array(raw) : Float64Array.from(t.doubleData ?? [])
      break
    case DT.INT64:
      data = raw
        ? Float64Array.from(new BigInt64Array(raw), (x) => {
            if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < -BigInt(Number.MAX_SAFE_INTEGER))
              throw new BaseError('ONNX_MALFORMED', `int64 value out of range in ${what}.`, { details: `expected a value within ±2^53, got ${x}` })
            return Number(x)
          })
        : Float64Array.from((t.int64Data ?? []).map((x) => longToNumber(x as LongLike, what)))
      break
    case DT.INT32:
      data = Float64Array.from(raw ? new Int32Array(raw) : t.int32Data ?? [])
      break
    default:
      throw new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `Tensor ${what} has an unsupported data type.`, {
        details: `expected FLOAT, DOUBLE, INT32 or INT64, got ${DT[t.dataType ?? 0] ?? t.dataType}`,
      })
  }
  if (data.length !== n)
    throw new BaseError('ONNX_MALFORMED', `Tensor ${what} holds the wrong number of values.`, { details: `expected ${n} values for dims [${dims}], got ${data.length}` })
  // NaN or ±Infinity has no fixed-point value: it would reach BigInt() deep in calibration as a RangeError.
  const bad = data.findIndex((x) => !Number.isFinite(x))
  if (bad >= 0)
    throw new BaseError('ONNX_NONFINITE_VALUE', `Tensor ${what} holds a non-finite value.`, { details: `expected finite numbers, got ${data[bad]} at index ${bad}` })
  return { dims, data }
}

function decodeAttribute(a: onnxProto.onnx.IAttributeProto, node: string): AttrValue {
  const T = onnx.AttributeProto.AttributeType
  const what = `attribute ${a.name} of node "${node}"`
  switch (a.type ?? 0) {
    case T.FLOAT:
      return a.f ?? 0
    case T.INT:
      return longToNumber(a.i as LongLike, what)
    case T.STRING:
      return new TextDecoder().decode(a.s ?? new Uint8Array())
    case T.TENSOR:
      return decodeTensor(a.t!, what)
    case T.FLOATS:
      return [...(a.floats ?? [])]
    case T.INTS:
      return (a.ints ?? []).map((x) => longToNumber(x as LongLike, what))
    default:
      throw new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `Unsupported ${what}.`, { details: `expected a float, int, string, tensor, floats or ints attribute, got ${T[a.type ?? 0] ?? a.type}` })
  }
}

/** Element types a graph input may have: the circuit quantizes real numbers, and onnxruntime is fed float32. */
const FLOAT_TYPES = new Set<number>([0, onnx.TensorProto.DataType.FLOAT, onnx.TensorProto.DataType.DOUBLE, onnx.TensorProto.DataType.FLOAT16])

/** Refuses a bool/integer/string graph input here, instead of as onnxruntime's uncoded error at fidelity time. */
function floatInput(v: onnxProto.onnx.IValueInfoProto): onnxProto.onnx.IValueInfoProto {
  const t = v.type?.tensorType?.elemType ?? 0
  if (!FLOAT_TYPES.has(t))
    throw new BaseError('ONNX_INPUT_TYPE_UNSUPPORTED', `Graph input "${v.name}" is not a float tensor.`, {
      details: `expected FLOAT, DOUBLE or FLOAT16, got ${onnx.TensorProto.DataType[t] ?? t}; cast it to float in the model`,
    })
  return v
}

function valueInfo(v: onnxProto.onnx.IValueInfoProto): ValueInfo {
  const dims = v.type?.tensorType?.shape?.dim ?? []
  // A symbolic or zero dimension is the batch (or another free axis): one inference per proof.
  return { name: v.name ?? '', shape: dims.map((d) => Math.max(1, longToNumber(d.dimValue as LongLike, `shape of ${v.name}`))) }
}

/**
 * Decodes and checks an ONNX model: every op supported, every tensor defined, shapes inferred.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs'
 * import { parseOnnx } from './src/compiler/onnx/index.ts'
 * const g = parseOnnx(readFileSync('models/pool-risk/model.onnx'))
 * console.log(g.inputs, g.nodes.map((n) => n.opType))
 * ```
 */
export function parseOnnx(bytes: Uint8Array): OnnxGraph {
  let model: InstanceType<typeof onnx.ModelProto>
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch (cause) {
    throw new BaseError('ONNX_MALFORMED', 'The file is not a valid ONNX model.', {
      details: `expected a protobuf-encoded onnx.ModelProto, got ${bytes.length} bytes that do not decode (${(cause as Error).message})`,
      cause,
    })
  }
  const g = model.graph
  if (!g || (g.node ?? []).length === 0)
    throw new BaseError('ONNX_MALFORMED', 'The ONNX model has no graph.', { details: 'expected ModelProto.graph with at least one node, got none' })

  const initializers = new Map<string, Tensor>()
  for (const t of g.initializer ?? []) initializers.set(t.name ?? '', decodeTensor(t, `initializer "${t.name}"`))
  const inputs = (g.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map((v) => valueInfo(floatInput(v)))
  const outputs = (g.output ?? []).map(valueInfo)

  const raw: OnnxNode[] = (g.node ?? []).map((n, i) => {
    const opType = n.opType ?? ''
    const name = n.name || `${opType}_${i}`
    const attributes: Record<string, AttrValue> = {}
    for (const a of n.attribute ?? []) attributes[a.name ?? ''] = decodeAttribute(a, name)
    return { name, opType, inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])], attributes }
  })
  for (const n of raw)
    if (!(SUPPORTED_OPS as readonly string[]).includes(n.opType))
      throw new BaseError('ONNX_UNSUPPORTED_OP', `Unsupported op "${n.opType}" in node "${n.name}".`, {
        details: `expected one of ${SUPPORTED_OPS.join(', ')}; got ${n.opType}`,
        meta: { node: n.name, op: n.opType },
      })

  // Topological order (ONNX requires it, but exporters have been known to emit otherwise).
  const defined = new Set<string>([...initializers.keys(), ...inputs.map((i) => i.name), ''])
  const nodes: OnnxNode[] = []
  const pending = [...raw]
  while (pending.length > 0) {
    const i = pending.findIndex((n) => n.inputs.every((x) => defined.has(x)))
    if (i < 0) {
      const n = pending[0]!
      const missing = n.inputs.find((x) => !defined.has(x) && !pending.some((p) => p.outputs.includes(x)))
      throw new BaseError('ONNX_MISSING_TENSOR', `Node "${n.name}" (${n.opType}) reads a tensor nothing defines.`, {
        details: missing !== undefined
          ? `expected "${missing}" to be a graph input, an initializer or a node output, got none`
          : 'expected an acyclic graph, got a cycle',
      })
    }
    const [n] = pending.splice(i, 1)
    for (const o of n!.outputs) defined.add(o)
    nodes.push(n!)
  }
  for (const o of outputs)
    if (!defined.has(o.name))
      throw new BaseError('ONNX_MISSING_TENSOR', `Graph output "${o.name}" is never computed.`, { details: 'expected a node producing it' })

  const opset = Math.max(0, ...(model.opsetImport ?? []).filter((o) => !o.domain).map((o) => longToNumber(o.version as LongLike, 'opset')))
  const graph: OnnxGraph = { name: g.name || 'model', opset, inputs, outputs, initializers, nodes, shapes: new Map() }
  graph.shapes = inferShapes(graph)
  // The declared output shapes may carry symbolic dims; the inferred ones are what the circuit has.
  graph.outputs = outputs.map((o) => ({ name: o.name, shape: graph.shapes.get(o.name) ?? o.shape }))
  return graph
}
