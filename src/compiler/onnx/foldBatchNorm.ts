import { inferShapes } from './evaluateFloat.ts'
import { batchNormCoefficients, broadcastIndices } from './ops/index.ts'
import type { OnnxGraph, OnnxNode, Tensor } from './types.ts'

/**
 * Folds an inference BatchNormalization into the Conv before it (constant kernel, output read by the
 * BatchNorm only): kernel rows scale by a_f = γ_f/√(σ²_f+ε) and the bias becomes b_f·a_f + β_f − μ_f·a_f.
 * A Gemm or 2-D MatMul with a constant right-hand side folds the same way (BatchNorm1d after a Linear):
 * its output [M, N] has channels N, so column n of B scales by a_n and the bias becomes a_n·β·C + b_n.
 * The BatchNorm then costs nothing instead of one rescale per element. A BatchNorm after anything
 * else stays, lowered as a per-channel affine map.
 *
 * @example
 * ```ts
 * const g = foldBatchNorm(foldConstants(graph))
 * g.nodes.some((n) => n.opType === 'BatchNormalization') // false after Conv → BatchNorm
 * ```
 */
export function foldBatchNorm(graph: OnnxGraph): OnnxGraph {
  const init = new Map(graph.initializers)
  const readers = new Map<string, number>()
  for (const n of graph.nodes) for (const i of n.inputs) if (i) readers.set(i, (readers.get(i) ?? 0) + 1)
  const outputs = new Set(graph.outputs.map((o) => o.name))
  const byOutput = new Map(graph.nodes.map((n) => [n.outputs[0]!, n]))
  const drop = new Set<OnnxNode>()
  let shapes: Map<string, number[]> | undefined
  const replaced = new Map<OnnxNode, OnnxNode>()
  for (const bn of graph.nodes) {
    if (bn.opType !== 'BatchNormalization' || bn.outputs.length > 1 && bn.outputs.slice(1).some(Boolean)) continue
    const conv = byOutput.get(bn.inputs[0]!)
    if (!conv || replaced.has(conv) || readers.get(bn.inputs[0]!) !== 1 || outputs.has(bn.inputs[0]!)) continue
    if (conv.opType === 'Gemm' || conv.opType === 'MatMul') {
      const dense = foldIntoDense(conv, bn, init, (shapes ??= inferShapes(graph)))
      if (dense) {
        replaced.set(conv, dense)
        drop.add(bn)
      }
      continue
    }
    if (conv.opType !== 'Conv') continue
    const params = bn.inputs.slice(1, 5).map((i) => init.get(i))
    const W = init.get(conv.inputs[1]!)
    const b0 = conv.inputs[2] ? init.get(conv.inputs[2]) : undefined
    if (params.some((p) => !p) || !W || (conv.inputs[2] && !b0)) continue
    const { a, b } = batchNormCoefficients(bn, [undefined, ...(params as Tensor[])])
    const F = W.dims[0]!
    if (a.length !== F) continue
    const per = W.data.length / F
    const wName = `${conv.name}/bn_folded_kernel`
    const bName = `${conv.name}/bn_folded_bias`
    init.set(wName, { dims: W.dims, data: W.data.map((v, i) => v * a[Math.floor(i / per)]!) })
    init.set(bName, { dims: [F], data: Float64Array.from({ length: F }, (_, f) => (b0 ? b0.data[f]! : 0) * a[f]! + b[f]!) })
    replaced.set(conv, { ...conv, inputs: [conv.inputs[0]!, wName, bName], outputs: [bn.outputs[0]!] })
    drop.add(bn)
  }
  if (drop.size === 0) return graph
  return { ...graph, initializers: init, nodes: graph.nodes.filter((n) => !drop.has(n)).map((n) => replaced.get(n) ?? n) }
}

/** Gemm/MatMul → BatchNorm as one Gemm (see foldBatchNorm), or undefined when it does not apply. */
function foldIntoDense(node: OnnxNode, bn: OnnxNode, init: Map<string, Tensor>, shapes: Map<string, number[]>): OnnxNode | undefined {
  const out = shapes.get(node.outputs[0]!)
  const aDims = shapes.get(node.inputs[0]!)
  const W = init.get(node.inputs[1]!)
  const C = node.inputs[2] ? init.get(node.inputs[2]) : undefined
  const params = bn.inputs.slice(1, 5).map((i) => init.get(i))
  if (out?.length !== 2 || aDims?.length !== 2 || W?.dims.length !== 2 || (node.inputs[2] && !C) || params.some((p) => !p)) return undefined
  if (init.has(node.inputs[0]!)) return undefined
  const { a, b } = batchNormCoefficients(bn, [undefined, ...(params as Tensor[])])
  const [M, N] = out as [number, number]
  if (a.length !== N) return undefined
  const gemm = node.opType === 'Gemm'
  const transB = gemm && node.attributes.transB === 1
  const beta = gemm && typeof node.attributes.beta === 'number' ? node.attributes.beta : 1
  const cols = W.dims[1]!
  const wName = `${node.name}/bn_folded_weights`
  const cName = `${node.name}/bn_folded_bias`
  init.set(wName, { dims: W.dims, data: W.data.map((v, i) => v * a[transB ? Math.floor(i / cols) : i % cols]!) })
  const ci = C ? broadcastIndices(C.dims, [M, N]) : undefined
  init.set(cName, { dims: [M, N], data: Float64Array.from({ length: M * N }, (_, i) => (C ? a[i % N]! * beta * C.data[ci![i]!]! : 0) + b[i % N]!) })
  const attributes = gemm ? { ...node.attributes, beta: 1 } : {}
  return { ...node, opType: 'Gemm', inputs: [node.inputs[0]!, wName, cName], outputs: [bn.outputs[0]!], attributes }
}
