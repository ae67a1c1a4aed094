import onnxProto from 'onnx-proto'
import { BaseError } from '../../errors/index.ts'
import { inferShapes } from './evaluateFloat.ts'
import { foldBatchNorm } from './foldBatchNorm.ts'
import { foldConstants } from './foldConstants.ts'
import { OP_CATALOG } from './opCatalog.ts'
import { dtypeOf } from './ops/index.ts'
import { SUPPORTED_OPS, type AttrValue, type OnnxGraph, type OnnxNode, type Tensor, type ValueInfo } from './types.ts'

const { onnx } = onnxProto

const INT64_MAX = (1n << 63n) - 1n

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
            // INT64_MAX / INT64_MIN are exporters' "to the end" Slice bounds: saturate, they only get clamped.
            if (x === INT64_MAX || x === -INT64_MAX - 1n) return x > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER
            if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < -BigInt(Number.MAX_SAFE_INTEGER))
              throw new BaseError('ONNX_MALFORMED', `int64 value out of range in ${what}.`, { details: `expected a value within ±2^53, got ${x}` })
            return Number(x)
          })
        : Float64Array.from((t.int64Data ?? []).map((x) => longToNumber(x as LongLike, what)))
      break
    case DT.INT32:
      data = Float64Array.from(raw ? new Int32Array(raw) : t.int32Data ?? [])
      break
    // Narrow integer and bool tensors store in int32Data, or one byte each in rawData.
    case DT.INT8:
      data = Float64Array.from(raw ? new Int8Array(raw) : t.int32Data ?? [])
      break
    case DT.UINT8:
    case DT.BOOL:
      data = Float64Array.from(raw ? new Uint8Array(raw) : t.int32Data ?? [])
      break
    default:
      throw new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `Tensor ${what} has an unsupported data type.`, {
        details: `expected FLOAT, DOUBLE, INT64, INT32, INT8, UINT8 or BOOL, got ${DT[t.dataType ?? 0] ?? t.dataType}`,
      })
  }
  if ((t.dataType ?? 0) !== DT.FLOAT && (t.dataType ?? 0) !== DT.DOUBLE) {
    if (data.length !== n)
      throw new BaseError('ONNX_MALFORMED', `Tensor ${what} holds the wrong number of values.`, { details: `expected ${n} values for dims [${dims}], got ${data.length}` })
    const dt = t.dataType ?? 0
    return dt === DT.INT8 || dt === DT.UINT8 ? { dims, data, dtype: 'int', storage: dt === DT.INT8 ? 'int8' : 'uint8' } : { dims, data, dtype: dtypeOf(dt) }
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
    // Recurrent ops store activations as STRINGS; they must parse so a refusal can name the op.
    // No supported op reads a string list, so it is kept as one comma-separated string.
    case T.STRINGS:
      return (a.strings ?? []).map((x) => new TextDecoder().decode(x)).join(',')
    default:
      throw new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `Unsupported ${what}.`, { details: `expected a float, int, string, tensor, floats, ints or strings attribute, got ${T[a.type ?? 0] ?? a.type}` })
  }
}

/**
 * Element types a graph input may have: reals are quantized; integers and bools are exact at scale 0
 * (onnxruntime is fed each input's declared type).
 */
const DT = onnx.TensorProto.DataType
const INPUT_TYPES = new Set<number>([0, DT.FLOAT, DT.DOUBLE, DT.FLOAT16, DT.INT64, DT.INT32, DT.INT8, DT.UINT8, DT.BOOL])

/** Refuses a string/complex/other graph input here, instead of as onnxruntime's uncoded error at fidelity time. */
function floatInput(v: onnxProto.onnx.IValueInfoProto): onnxProto.onnx.IValueInfoProto {
  const t = v.type?.tensorType?.elemType ?? 0
  if (!INPUT_TYPES.has(t))
    throw new BaseError('ONNX_INPUT_TYPE_UNSUPPORTED', `Graph input "${v.name}" has an unsupported element type.`, {
      details: `expected FLOAT, DOUBLE, FLOAT16, INT64, INT32, INT8, UINT8 or BOOL, got ${DT[t] ?? t}; cast it in the model`,
    })
  return v
}

function valueInfo(v: onnxProto.onnx.IValueInfoProto): ValueInfo {
  const dims = v.type?.tensorType?.shape?.dim ?? []
  // A symbolic or zero dimension is the batch (or another free axis): one inference per proof.
  const info: ValueInfo = { name: v.name ?? '', shape: dims.map((d) => Math.max(1, longToNumber(d.dimValue as LongLike, `shape of ${v.name}`))) }
  const elem = v.type?.tensorType?.elemType ?? 0
  // Only non-float types are recorded, so float models' graphs look as they always did.
  if (elem !== 0 && elem !== onnx.TensorProto.DataType.FLOAT) {
    info.dtype = dtypeOf(elem)
    info.onnxType = String(onnx.TensorProto.DataType[elem] ?? elem).toLowerCase()
  }
  return info
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
  refuseUnsupported(raw.filter((n) => !SUPPORTED_OPS.includes(n.opType)), '')

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
  let graph: OnnxGraph = { name: g.name || 'model', opset, inputs, outputs, initializers, nodes, shapes: new Map() }
  graph = foldBatchNorm(foldConstants(graph))
  // What folding could not remove must be provable: ops supported only on constants are refused here.
  refuseUnsupported(graph.nodes.filter((n) => OP_CATALOG[n.opType]?.onConstants), ' on a computed tensor (supported only on constants)')
  graph.shapes = inferShapes(graph)
  // The declared output shapes may carry symbolic dims; the inferred ones are what the circuit has.
  graph.outputs = outputs.map((o) => ({ name: o.name, shape: graph.shapes.get(o.name) ?? o.shape }))
  return graph
}

/**
 * One error naming every unsupported op, with counts and the nodes, so a model owner sees how far off
 * the whole model is, not only its first node.
 */
function refuseUnsupported(bad: OnnxNode[], how: string): void {
  if (bad.length === 0) return
  const byOp = new Map<string, string[]>()
  for (const n of bad) byOp.set(n.opType, [...(byOp.get(n.opType) ?? []), n.name])
  const list = [...byOp].map(([op, names]) => `${op} ×${names.length} (${names.slice(0, 3).map((x) => `"${x}"`).join(', ')}${names.length > 3 ? ', …' : ''})`)
  const first = bad[0]!
  const message = bad.length === 1
    ? `Unsupported op "${first.opType}"${how} in node "${first.name}".`
    : `${byOp.size} unsupported op${byOp.size > 1 ? 's' : ''}${how} in ${bad.length} nodes: ${list.join(', ')}.`
  throw new BaseError('ONNX_UNSUPPORTED_OP', message, {
    details: `expected one of ${SUPPORTED_OPS.join(', ')}; got ${list.join(', ')}`,
    meta: { node: first.name, op: first.opType, ops: Object.fromEntries([...byOp].map(([op, names]) => [op, names.length])) },
  })
}
