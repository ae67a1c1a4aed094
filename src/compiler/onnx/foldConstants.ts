import { evaluateNode, inferShapes } from './evaluateFloat.ts'
import type { OnnxGraph, OnnxNode, Tensor } from './types.ts'

const size = (d: readonly number[]) => d.reduce((a, b) => a * b, 1)

/** Ops whose output depends only on their input's shape, never its values. */
const SHAPE_ONLY = new Set(['Shape', 'Size'])

/**
 * Constant folding at load time: every node whose inputs are all constants (initializers or earlier
 * folded outputs) becomes an initializer, evaluated in float64 (exact for the integer shape
 * arithmetic exporters emit); `Shape` and `Size` fold from the statically known shapes; `Dropout`
 * is the identity at inference. What is folded costs no constraints, because it is no longer a node.
 *
 * This is how PyTorch's flatten (`Shape → Gather → Unsqueeze → Concat → Reshape`) becomes a plain
 * Reshape with a constant shape.
 *
 * @example
 * ```ts
 * const folded = foldConstants(graph)
 * folded.nodes.length <= graph.nodes.length // true
 * ```
 */
export function foldConstants(graph: OnnxGraph): OnnxGraph {
  const shapes = inferShapes(graph)
  const consts = new Map<string, Tensor>(graph.initializers)
  const kept: OnnxNode[] = []
  for (const node of graph.nodes) {
    const shapeOnly = SHAPE_ONLY.has(node.opType)
    if (shapeOnly || node.inputs.every((i) => !i || consts.has(i))) {
      const ins = node.inputs.map((i) => {
        if (!i) return undefined
        const c = consts.get(i)
        if (c) return c
        // Only the dims are read by a shape-only op; the values are never looked at.
        const dims = shapes.get(i)!
        return { dims, data: new Float64Array(size(dims)) }
      })
      evaluateNode(node, ins).forEach((t, k) => {
        if (node.outputs[k]) consts.set(node.outputs[k]!, t)
      })
      continue
    }
    kept.push(node.opType === 'Dropout' ? { ...node, opType: 'Identity', inputs: [node.inputs[0]!], outputs: [node.outputs[0]!] } : node)
    if (node.opType === 'Dropout' && node.outputs[1]) {
      // The mask of an inference Dropout is all true.
      const dims = shapes.get(node.inputs[0]!)!
      consts.set(node.outputs[1], { dims, data: new Float64Array(size(dims)).fill(1), dtype: 'bool' })
    }
  }
  const used = new Set([...kept.flatMap((n) => n.inputs), ...graph.outputs.map((o) => o.name)])
  const initializers = new Map([...consts].filter(([name]) => used.has(name)))
  return { ...graph, nodes: kept, initializers }
}
