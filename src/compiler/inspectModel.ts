import onnxProto from 'onnx-proto'
import { BaseError } from '../errors/index.ts'
import { CircuitBuilder } from './circuit/index.ts'
import { circuitAlgebra, lowerGraph, type CircuitValue, type QuantParams } from './lower/index.ts'
import { OP_CATALOG, parseOnnx, type OnnxGraph } from './onnx/index.ts'
import { calibrate, fidelityExceeded, measureLayerFidelity } from './quantize/index.ts'

const { onnx } = onnxProto

export type NodeReport = {
  name: string
  op: string
  /** supported: lowered to constraints; folded: evaluated at load time; unsupported: refused. */
  status: 'supported' | 'folded' | 'unsupported' | 'constants only'
  /** Constraints this node adds at the reported scale; absent when the model can't be lowered. */
  constraints?: number
  /** With samples: the largest error of its outputs relative to their range, quantized vs float64 (docs/circuits.md, "Fidelity"). */
  relError?: number
}

export type ModelReport = {
  nodes: NodeReport[]
  /** Unsupported op → node count. Empty when the model compiles. */
  unsupported: Record<string, number>
  /** The scale the estimate is taken at: calibrated when samples were given, else s = 8, B = 24. */
  params?: QuantParams & { calibrated: boolean }
  /** Input range checks, public outputs and context, which belong to no node. */
  overhead?: number
  total?: number
  /** Why constraints could not be estimated (a refused model). */
  error?: string
  /** With samples: the outputs' error at the calibrated scale against the tolerance, and the layer a compile would name if it misses. */
  fidelity?: { maxAbsError: number; tolerance: number; relBudget: number; exceeded?: { node: string; op: string } }
}

/**
 * Everything an owner needs before a compile: every node's op, whether it is supported, folded at
 * load time or refused, and (when the whole model is supported) the constraints each node adds at
 * the scale calibration picks (or s = 8 without samples). With samples, each node's error relative to its
 * range and whether the compile would meet its tolerance (FIDELITY_EXCEEDED names the same layer).
 *
 * @example
 * ```ts
 * const report = inspectModel(readFileSync('model.onnx'))
 * for (const n of report.nodes) console.log(n.op, n.status, n.constraints)
 * ```
 */
export function inspectModel(bytes: Uint8Array, samples?: number[][]): ModelReport {
  let model: InstanceType<typeof onnx.ModelProto>
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch (cause) {
    throw new BaseError('ONNX_MALFORMED', 'The file is not a valid ONNX model.', { details: `expected a protobuf-encoded onnx.ModelProto, got ${bytes.length} bytes that do not decode`, cause })
  }
  const raw = (model.graph?.node ?? []).map((n, i) => ({ name: n.name || `${n.opType}_${i}`, op: n.opType ?? '' }))
  const nodes: NodeReport[] = raw.map((n) => ({ name: n.name, op: n.op, status: OP_CATALOG[n.op] ? 'supported' : 'unsupported' }))
  const unsupported: Record<string, number> = {}
  for (const n of nodes) if (n.status === 'unsupported') unsupported[n.op] = (unsupported[n.op] ?? 0) + 1
  if (Object.keys(unsupported).length > 0) return { nodes, unsupported, error: 'the model has unsupported ops' }

  let graph: OnnxGraph
  try {
    graph = parseOnnx(bytes)
  } catch (e) {
    if (!(e instanceof BaseError)) throw e
    const ops = (e.meta?.ops ?? {}) as Record<string, number>
    for (const n of nodes) if (ops[n.op] && OP_CATALOG[n.op]?.onConstants) n.status = 'constants only'
    return { nodes, unsupported: ops, error: e.message }
  }
  const kept = new Set(graph.nodes.map((n) => n.name))
  for (const n of nodes) if (!kept.has(n.name)) n.status = 'folded'

  const cal = samples ? calibrate(graph, samples) : undefined
  const params: QuantParams & { calibrated: boolean } = cal ? { ...cal.params, calibrated: true } : { scaleBits: 8, activationBits: 24, sigmoid: 'proved', calibrated: false }
  let fidelity: ModelReport['fidelity']
  if (cal && samples) {
    const layers = measureLayerFidelity(graph, samples, cal)
    for (const n of nodes) {
      const mine = layers.layers.filter((l) => l.op !== 'Input' && l.node === n.name)
      if (mine.length > 0) n.relError = Math.max(...mine.map((l) => l.relError))
    }
    fidelity = { maxAbsError: cal.chosen.maxAbsError, tolerance: cal.tolerance, relBudget: layers.relBudget }
    if (cal.chosen.maxAbsError > cal.tolerance) {
      const e = fidelityExceeded(graph, samples, cal)
      fidelity.exceeded = { node: String(e.meta?.node), op: String(e.meta?.op) }
    }
  }
  const b = new CircuitBuilder()
  const alg = circuitAlgebra(b)
  const inputs = graph.inputs.map((info) => {
    const n = info.shape.reduce((x, y) => x * y, 1)
    const scale = info.dtype === 'int' || info.dtype === 'bool' ? 0 : params.scaleBits
    return { dims: [...info.shape], scale, data: Array.from({ length: n }, (): CircuitValue => ({ lc: b.publicInput() })) }
  })
  const perNode = new Map<string, number>()
  let last = 0
  try {
    const outs = lowerGraph(graph, alg, inputs, params, {
      beforeNodes: () => (last = b.constraintCount),
      afterNode(node) {
        perNode.set(node.name, b.constraintCount - last)
        last = b.constraintCount
      },
    })
    // Not in any node: the inputs' range checks (made before the first node), one binding per output, 2 for context.
    const nodeTotal = [...perNode.values()].reduce((x, y) => x + y, 0)
    const outputsAndContext = outs.reduce((x, o) => x + o.data.length, 0) + 2
    for (const n of nodes) {
      if (n.status === 'folded') n.constraints = 0
      else if (perNode.has(n.name)) n.constraints = perNode.get(n.name)!
    }
    const overhead = b.constraintCount - nodeTotal + outputsAndContext
    return { nodes, unsupported, params, overhead, total: b.constraintCount + outputsAndContext, ...(fidelity ? { fidelity } : {}) }
  } catch (e) {
    if (!(e instanceof BaseError)) throw e
    return { nodes, unsupported, params, error: e.message }
  }
}
