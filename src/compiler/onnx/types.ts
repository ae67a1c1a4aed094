/** A constant tensor in float64, row-major. Integer initializers (Reshape shapes) are stored as floats too. */
export type Tensor = {
  dims: number[]
  data: Float64Array
  dtype?: DType
  /** The narrow integer type an initializer was stored as: QuantizeLinear saturates to its zero point's. */
  storage?: 'int8' | 'uint8'
}
/**
 * What a tensor's numbers mean: real numbers (quantized at scale 2^s), integers (kept exact) or
 * booleans (0/1). Absent means 'float'. Folding uses it for integer semantics (Div, Cast).
 */
export type DType = 'float' | 'int' | 'bool'
export type AttrValue = number | number[] | string | Tensor
export type OnnxNode = { name: string; opType: string; inputs: string[]; outputs: string[]; attributes: Record<string, AttrValue> }
export type ValueInfo = { name: string; shape: number[]; dtype?: DType; onnxType?: string }

/**
 * A parsed ONNX graph, checked: nodes topologically sorted, every op supported, every tensor's
 * shape inferred. Batch and other symbolic dimensions are fixed to 1 (one inference per proof).
 */
export type OnnxGraph = {
  name: string
  opset: number
  /** Graph inputs that are not initializers. */
  inputs: ValueInfo[]
  outputs: ValueInfo[]
  initializers: Map<string, Tensor>
  nodes: OnnxNode[]
  shapes: Map<string, number[]>
}

/** The operators the compiler takes (see opCatalog.ts for their attributes, dtypes and costs). */
export { SUPPORTED_OPS } from './opCatalog.ts'
