import { batchNormCoefficients } from './ops/index.ts'
import type { OnnxGraph, OnnxNode, Tensor } from './types.ts'

/**
 * Folds an inference BatchNormalization into the Conv before it (constant kernel, output read by the
 * BatchNorm only): kernel rows scale by a_f = γ_f/√(σ²_f+ε) and the bias becomes b_f·a_f + β_f − μ_f·a_f.
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
  const replaced = new Map<OnnxNode, OnnxNode>()
  for (const bn of graph.nodes) {
    if (bn.opType !== 'BatchNormalization' || bn.outputs.length > 1 && bn.outputs.slice(1).some(Boolean)) continue
    const conv = byOutput.get(bn.inputs[0]!)
    if (conv?.opType !== 'Conv' || replaced.has(conv) || readers.get(bn.inputs[0]!) !== 1 || outputs.has(bn.inputs[0]!)) continue
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
