import type { OnnxNode, Tensor } from '../onnx/index.ts'
import type { Algebra, QTensor } from './Algebra.ts'
import type { QuantParams } from './lowerGraph.ts'

/** A tensor during lowering: a compile-time constant (free) or quantized values in the algebra. */
export type LValue<V> = { kind: 'const'; t: Tensor } | { kind: 'q'; t: QTensor<V> }

/**
 * What an op's lowering may use: lowerGraph's environment and helpers, so each op file is written
 * once against the `Algebra` (circuit and bigint reference alike).
 */
export type LowerContext<V> = {
  alg: Algebra<V>
  params: QuantParams
  /** Scale bits s and activation bits B. */
  s: number
  B: number
  get(node: OnnxNode, i: number): LValue<V>
  /** Whether optional input i is given. */
  has(node: OnnxNode, i: number): boolean
  constOperand(node: OnnxNode, i: number, role: string): Tensor
  /** Input i as quantized values at scale s (constants quantized, other scales brought to s). */
  activation(node: OnnxNode, i: number): QTensor<V>
  atScale(t: QTensor<V>, target: number, what: string): QTensor<V>
  quant(x: number, scale: number): bigint
  /** The graph's default-domain opset (some ops changed meaning across opsets). */
  opset?: number
}

/** Lowers one node to its outputs, in order. */
export type OpLowering = <V>(ctx: LowerContext<V>, node: OnnxNode) => LValue<V>[]
