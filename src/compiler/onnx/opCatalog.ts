/**
 * Every ONNX op the compiler takes, with what it supports and what it costs. The single source for
 * parse-time checks, `zkml ops --json` and `zkml inspect`; docs/circuits.md explains each cost.
 *
 * `onConstants: true` ops are evaluated at load time (constant folding) and are refused only when
 * a computed tensor reaches them. Costs use s (scale bits) and B (activation bits).
 */
export type OpInfo = {
  group: 'constant' | 'plumbing' | 'arithmetic' | 'comparison' | 'activation' | 'cnn' | 'recurrent'
  /** Supported only where every input is a constant (folded at load time, zero constraints). */
  onConstants?: true
  attributes: string[]
  /** Input dtypes accepted for computed tensors ("float" is quantized; "int"/"bool" are exact). */
  dtypes: string[]
  constraints: string
  /** Error against float64, in units of 2^-s (the quantization step), where it is not zero. */
  error: string
}

const F = ['float32', 'float64']
const ALL = ['float32', 'float64', 'int64', 'int32', 'int8', 'uint8', 'bool']
const fold = (attributes: string[] = []): OpInfo => ({ group: 'constant', onConstants: true, attributes, dtypes: ALL, constraints: '0 (folded at load time)', error: 'exact (float64)' })
const plumb = (attributes: string[] = []): OpInfo => ({ group: 'plumbing', attributes, dtypes: ALL, constraints: '0 (rewires values)', error: 'exact' })
const RECURRENT_ATTRS = ['hidden_size', 'direction forward|reverse|bidirectional', 'layout 0|1', 'activations Sigmoid|Tanh|Relu|Affine|LeakyRelu|ThresholdedRelu|ScaledTanh|HardSigmoid (STRINGS)', 'activation_alpha', 'activation_beta', 'clip', 'B, sequence_lens (constant), initial_h (constant or computed)']
const cmpCost = 'B + 2 per element (one range-checked difference, its sign bit)'

/**
 * @example
 * ```ts
 * OP_CATALOG.MaxPool.constraints // 'B + 3 per window element beyond the first'
 * ```
 */
export const OP_CATALOG: Readonly<Record<string, OpInfo>> = {
  Gemm: { group: 'arithmetic', attributes: ['alpha', 'beta', 'transA', 'transB'], dtypes: F, constraints: 's + B + 1 per output (constant B); + K products when A and B are both computed', error: '≤ 0.5 + rounding of weights' },
  MatMul: { group: 'arithmetic', attributes: [], dtypes: F, constraints: 's + B + 1 per output; + K products when both operands are computed (batched, broadcast)', error: '≤ 0.5 + rounding of weights' },
  Add: { group: 'arithmetic', attributes: [], dtypes: F, constraints: '0', error: 'exact' },
  Sub: { group: 'arithmetic', attributes: [], dtypes: F, constraints: '0', error: 'exact' },
  Mul: { group: 'arithmetic', attributes: [], dtypes: F, constraints: 's + B + 1 per element (by a constant); + 1 product when both are computed', error: '≤ 0.5' },
  Relu: { group: 'activation', attributes: [], dtypes: F, constraints: '1 after a rescale, else B + 2', error: 'exact' },
  Sigmoid: { group: 'activation', attributes: [], dtypes: F, constraints: '31 after a rescale (proved), 0 outside', error: '≤ 0.01 absolute' },
  Flatten: plumb(['axis']),
  Reshape: plumb(['shape (constant; 0 copies the input dimension, -1 is inferred)']),
  Identity: plumb(),
  Conv: { group: 'cnn', attributes: ['kernel_shape', 'strides', 'pads', 'dilations', 'group (depthwise)', 'auto_pad', '1-D, 2-D and 3-D kernels (constant)'], dtypes: F, constraints: 's + B + 1 per output', error: '≤ 0.5 + rounding of weights' },

  Constant: fold(['value', 'value_float', 'value_floats', 'value_int', 'value_ints']),
  Shape: fold(['start', 'end']),
  Size: fold(),
  ConstantOfShape: fold(['value']),
  Range: fold(),
  Cast: { group: 'constant', attributes: ['to'], dtypes: ALL, constraints: '0 folded, to float, or of an int/bool; a computed real to int: s + B + 1 (+ B + 1 unless range-checked) per element, truncation toward zero proved; to bool: 2 (IsZero)', error: 'exact on the quantized value' },
  CastLike: { group: 'constant', attributes: [], dtypes: ALL, constraints: '0 (as Cast)', error: 'exact' },
  Pow: { group: 'arithmetic', attributes: ['exponent: a constant whole number 0…16 on computed tensors (any on constants)'], dtypes: F, constraints: '(n − 1)·(1 + s + B + 1) per element', error: '≤ 0.5 per product, compounding' },
  DequantizeLinear: { group: 'arithmetic', attributes: ['axis (per-axis scale and zero point, constant)'], dtypes: ['int8', 'uint8', 'int32', 'int64'], constraints: '0 (an affine map of an exact integer; folded on constant weights)', error: '≤ |x − zp|·rounding of the scale at 2^-s' },
  QuantizeLinear: { group: 'arithmetic', attributes: ['axis (per-axis scale and zero point, constant)', 'zero point int8 or uint8 (uint8 when absent)', 'output_dtype 2|3'], dtypes: F, constraints: '≈ 2(B + a + log₂D) + 3B per element: exact division by the float32 scale, round half to even, two proved clamps', error: 'exact on the quantized input (one step where float32 x/scale lands a hair off a tie)' },
  Floor: fold(),
  Ceil: fold(),
  Sign: { group: 'comparison', attributes: [], dtypes: F, constraints: 'B + 3 per element (sign bit + IsZero)', error: 'exact on quantized values' },
  Dropout: plumb(['ratio (ignored: identity at inference)']),

  Transpose: plumb(['perm']),
  Concat: plumb(['axis']),
  Split: plumb(['axis', 'split (attribute or input)', 'num_outputs']),
  Slice: plumb(['starts/ends/axes/steps (inputs or attributes; negative and int64-max bounds)']),
  Gather: plumb(['axis (constant indices)']),
  GatherElements: plumb(['axis (constant indices)']),
  Squeeze: plumb(['axes (attribute or input)']),
  Unsqueeze: plumb(['axes (attribute or input)']),
  Expand: plumb(),
  Tile: plumb(),
  Pad: plumb(['mode constant|reflect|edge|wrap', 'pads (attribute or input)', 'value / constant_value', 'axes']),
  DepthToSpace: plumb(['blocksize', 'mode DCR|CRD']),
  SpaceToDepth: plumb(['blocksize']),
  Resize: { group: 'plumbing', attributes: ['mode nearest|linear|cubic', 'coordinate_transformation_mode asymmetric|half_pixel|pytorch_half_pixel|align_corners', 'nearest_mode', 'cubic_coeff_a', 'exclude_outside', 'scales or sizes'], dtypes: ALL, constraints: 'nearest: 0 (rewires values); linear/cubic: s + B + 1 per output (constant weights, one rescale)', error: 'nearest exact; else ≤ 0.5 + rounding of the weights' },
  Upsample: { group: 'plumbing', attributes: ['mode nearest|linear', 'scales'], dtypes: ALL, constraints: 'as Resize', error: 'as Resize' },

  Div: { group: 'arithmetic', attributes: [], dtypes: F, constraints: 's + B + 1 per element by a constant divisor (multiply by its reciprocal, rescale); 4B + 7 by a computed divisor (proved rounded division: hint, remainder bounds, divisor sign; b ≠ 0 proved)', error: '≤ 0.5 + rounding of 1/c at 2^-s (constant); ≤ 0.5 (computed, round half up)' },
  Einsum: { group: 'arithmetic', attributes: ['equation (explicit or implicit, with or without "..."; at most two computed operands)'], dtypes: F, constraints: 'one product per term with two computed operands; s + B + 1 per output unless a plain sum', error: '≤ 0.5 + rounding of constants' },
  Neg: { group: 'arithmetic', attributes: [], dtypes: F, constraints: '0', error: 'exact' },
  Sum: { group: 'arithmetic', attributes: [], dtypes: F, constraints: '0', error: 'exact' },
  Mean: { group: 'arithmetic', attributes: [], dtypes: F, constraints: 's + B + 1 per element', error: '≤ 0.5 + rounding of 1/n' },
  ReduceSum: { group: 'arithmetic', attributes: ['axes (attribute or input)', 'keepdims', 'noop_with_empty_axes'], dtypes: F, constraints: '0', error: 'exact' },
  ReduceMean: { group: 'arithmetic', attributes: ['axes (attribute or input)', 'keepdims', 'noop_with_empty_axes'], dtypes: F, constraints: 's + B + 1 per output', error: '≤ 0.5 + rounding of 1/n' },
  ReduceSumSquare: { group: 'arithmetic', attributes: ['axes (attribute or input)', 'keepdims'], dtypes: F, constraints: 'one product per element + s + B + 1 per output', error: '≤ 0.5' },
  CumSum: { group: 'arithmetic', attributes: ['exclusive', 'reverse', 'axis (constant input)'], dtypes: F, constraints: '0', error: 'exact' },

  Max: { group: 'comparison', attributes: [], dtypes: F, constraints: `B + 3 per element per extra operand (${cmpCost}, one select)`, error: 'exact' },
  Min: { group: 'comparison', attributes: [], dtypes: F, constraints: 'B + 3 per element per extra operand', error: 'exact' },
  Clip: { group: 'comparison', attributes: ['min/max (constant inputs or attributes)'], dtypes: F, constraints: 'B + 3 per element per bound', error: 'exact' },
  Abs: { group: 'comparison', attributes: [], dtypes: F, constraints: 'B + 2 per element (B + 1 range check, 1 product)', error: 'exact' },
  LeakyRelu: { group: 'activation', attributes: ['alpha'], dtypes: F, constraints: 'ReLU + s + B + 1 per element', error: '≤ 0.5 + rounding of alpha' },
  PRelu: { group: 'activation', attributes: ['slope (constant, broadcast)'], dtypes: F, constraints: 'ReLU + s + B + 1 per element', error: '≤ 0.5 + rounding of the slope' },
  HardSigmoid: { group: 'activation', attributes: ['alpha', 'beta'], dtypes: F, constraints: 's + B + 1 + 2(B + 3) per element', error: '≤ 0.5 + rounding of alpha, beta' },
  HardSwish: { group: 'activation', attributes: [], dtypes: F, constraints: 'HardSigmoid + 1 product + s + B + 1 per element', error: '≤ 1' },
  Less: { group: 'comparison', attributes: [], dtypes: F, constraints: cmpCost, error: 'exact on quantized values (flips only within 2^-s of equality)' },
  LessOrEqual: { group: 'comparison', attributes: [], dtypes: F, constraints: cmpCost, error: 'as Less' },
  Greater: { group: 'comparison', attributes: [], dtypes: F, constraints: cmpCost, error: 'as Less' },
  GreaterOrEqual: { group: 'comparison', attributes: [], dtypes: F, constraints: cmpCost, error: 'as Less' },
  Equal: { group: 'comparison', attributes: [], dtypes: ALL, constraints: '2 per element (IsZero of the difference)', error: 'exact on quantized values' },
  Not: { group: 'comparison', attributes: [], dtypes: ['bool'], constraints: '0', error: 'exact' },
  And: { group: 'comparison', attributes: [], dtypes: ['bool'], constraints: '1 per element', error: 'exact' },
  Or: { group: 'comparison', attributes: [], dtypes: ['bool'], constraints: '1 per element', error: 'exact' },
  Xor: { group: 'comparison', attributes: [], dtypes: ['bool'], constraints: '1 per element', error: 'exact' },
  Where: { group: 'comparison', attributes: [], dtypes: ALL, constraints: '1 per element (+1 to prove a non-boolean condition boolean)', error: 'exact' },
  ArgMax: { group: 'comparison', attributes: ['axis', 'keepdims', 'select_last_index'], dtypes: F, constraints: '(B + 4) per compared element (comparison, value and index selects)', error: 'exact on quantized values' },
  ArgMin: { group: 'comparison', attributes: ['axis', 'keepdims', 'select_last_index'], dtypes: F, constraints: '(B + 4) per compared element', error: 'exact on quantized values' },
  TopK: { group: 'comparison', attributes: ['axis', 'largest', 'sorted (0 gives the sorted order too)', 'k (constant input)'], dtypes: F, constraints: '(B + 4) per compare-swap; k·(n − 1) − k(k − 1)/2 swaps per slice of n', error: 'exact on quantized values' },
  ReduceMax: { group: 'comparison', attributes: ['axes (attribute or input)', 'keepdims'], dtypes: F, constraints: 'B + 3 per reduced element beyond the first', error: 'exact' },
  ReduceMin: { group: 'comparison', attributes: ['axes (attribute or input)', 'keepdims'], dtypes: F, constraints: 'B + 3 per reduced element beyond the first', error: 'exact' },

  ConvTranspose: { group: 'cnn', attributes: ['kernel_shape', 'strides', 'pads', 'dilations', 'group', 'output_padding', 'auto_pad', 'output_shape', '1-D, 2-D and 3-D kernels (constant)'], dtypes: F, constraints: 's + B + 1 per output', error: '≤ 0.5 + rounding of weights' },
  MaxPool: { group: 'cnn', attributes: ['kernel_shape', 'strides', 'pads', 'dilations', 'ceil_mode', 'auto_pad', 'Indices output (storage_order 0)'], dtypes: F, constraints: 'B + 3 per window element beyond the first; B + 4 with the Indices output', error: 'exact' },
  AveragePool: { group: 'cnn', attributes: ['kernel_shape', 'strides', 'pads', 'dilations', 'ceil_mode', 'auto_pad', 'count_include_pad'], dtypes: F, constraints: 's + B + 1 per output', error: '≤ 0.5 + rounding of 1/n' },
  GlobalMaxPool: { group: 'cnn', attributes: [], dtypes: F, constraints: 'B + 3 per element beyond the first of each channel', error: 'exact' },
  GlobalAveragePool: { group: 'cnn', attributes: [], dtypes: F, constraints: 's + B + 1 per channel', error: '≤ 0.5 + rounding of 1/n' },
  BatchNormalization: { group: 'cnn', attributes: ['epsilon', 'training_mode 0'], dtypes: F, constraints: '0 after a Conv, or a Gemm/2-D MatMul with constant weights (folded into them); else s + B + 1 per element (per-channel affine)', error: '≤ 0.5 + rounding of the folded scale' },
  // Unrolled over the static sequence length (onnx/ops/recurrentOps.ts; docs/circuits.md, "Recurrent layers").
  // Per step, direction and hidden unit; R = s + B + 1 (one rescale), σ = 31, tanh = 63 (the Tanh op's piecewise table, output at 3s − 2).
  RNN: { group: 'recurrent', attributes: RECURRENT_ATTRS, dtypes: F, constraints: 'per unit per step: the gate rescale (s + B + 1) + activation (tanh 63) + a settle rescale (2s − 2 + B + 1 after tanh)', error: 'tanh ≤ 3e-4 absolute per step, plus ≤ 0.5 per rescale; compounding over steps' },
  GRU: { group: 'recurrent', attributes: [...RECURRENT_ATTRS, 'linear_before_reset'], dtypes: F, constraints: 'per unit per step: 2 gate rescales (s + B + 1), the candidate rescale (3s − 1 + B + 1: r ⊙ h enters it; linear_before_reset: s + B + 1 and 2s − 1 + B + 1), 2 σ + 1 tanh (125), H + 1 products, one settle rescale (4s − 3 + B + 1)', error: 'σ ≤ 0.005, tanh ≤ 3e-4 absolute, plus rescale rounding; compounding over steps' },
  LSTM: { group: 'recurrent', attributes: [...RECURRENT_ATTRS, 'input_forget', 'P (peepholes)', 'initial_c'], dtypes: F, constraints: 'per unit per step: 4 gate rescales (s + B + 1), 3 σ + 2 tanh (219), 3 products, 2 settle rescales (4s − 3 + B + 1)', error: 'σ ≤ 0.005, tanh ≤ 3e-4 absolute, plus rescale rounding; compounding over steps' },

  // proved nonlinear functions (lower/ops/nonlinear.ts; piecewise polynomial gadget or checked hints, docs/circuits.md)
  Exp: { group: 'activation', attributes: [], dtypes: F, constraints: 'piecewise (≈ 2^(e+3) − e − 1 monomials + 2, e = 3 for B − s ≤ 12) + rescale of s + 2 + 2w bits; see docs/circuits.md', error: '≤ 2e-4 relative + 1 (2^-s units); no witness where e^x overflows B bits' },
  Tanh: { group: 'activation', attributes: [], dtypes: F, constraints: 'piecewise (57 monomials + 7) + rescale (2w + 2 + B + 1), w = s − 2', error: '≤ 3e-4 absolute + 2^-s' },
  Erf: { group: 'activation', attributes: [], dtypes: F, constraints: 'piecewise (26 monomials + 7) + rescale', error: '≤ 5e-4 absolute + 2^-s' },
  Gelu: { group: 'activation', attributes: ['approximate none|tanh'], dtypes: F, constraints: 'piecewise (57 monomials + 8) + rescale', error: '≤ 5e-4 absolute + 2^-s' },
  Softplus: { group: 'activation', attributes: [], dtypes: F, constraints: 'piecewise (57 monomials + 8) + rescale', error: '≤ 5e-4 absolute + 2^-s' },
  Elu: { group: 'activation', attributes: ['alpha'], dtypes: F, constraints: 'piecewise (≤ 57 monomials + 8) + rescale', error: '≤ 5e-4·max(1, alpha) + 2^-s' },
  Selu: { group: 'activation', attributes: ['alpha', 'gamma'], dtypes: F, constraints: 'piecewise (≤ 57 monomials + 8) + rescale', error: '≤ 1e-3 + |x|·2^-(2s) + 2^-s' },
  Celu: { group: 'activation', attributes: ['alpha'], dtypes: F, constraints: 'piecewise (2^(e+3) monomials at most, 2^e ≥ 8·alpha) + rescale', error: '≤ 5e-4·max(1, alpha) + 2^-s' },
  Mish: { group: 'activation', attributes: [], dtypes: F, constraints: 'piecewise (120 monomials + 8) + rescale', error: '≤ 5e-4 absolute + 2^-s' },
  Swish: { group: 'activation', attributes: ['alpha (|alpha| ≥ 0.5)'], dtypes: F, constraints: 'piecewise over [-2^e, 2^e), 2^e ≥ 16/|α|, 2^(e+3) segments (127 at 1 ≤ |α| < 2, 64 at |α| ≥ 2, 254 at 0.5 ≤ |α| < 1) + rescale', error: '≤ 5e-4 absolute + 2^-s' },
  Softmax: { group: 'activation', attributes: ['axis (any; opset ≥ 13 semantics)'], dtypes: F, constraints: 'per element: B + 3 (max) + B + 2 (shift range check) + piecewise exp (57 monomials + 9) + proved division (≈ 2·(s + 2w + log n + 4) + s + 6)', error: '≤ 1e-3 absolute + 2^-s' },
  Log: { group: 'activation', attributes: [], dtypes: F, constraints: 'proved normalisation x = 2^k·m (2B − 3: leading-one prefix ORs, x·2^(n−1−k), mantissa range check) + piecewise ln m on [1, 2) (11 monomials + 2) + rescale (T − s + B + 1, T = s + 6 + 2(B − 6)); 85 at s = 8, B = 16', error: '≤ 2^-(s+1) + 2^-(s+5) absolute; a quantized x ≤ 0 (x < 2^-(s+1)) has no witness' },
  LogSoftmax: { group: 'activation', attributes: ['axis (any; opset ≥ 13 semantics)'], dtypes: F, constraints: "per element: Softmax's max (B + 3) + shift range check (B + 2) + piecewise exp (57 monomials + 9); per group: a proved Log of the sum (2B' − 3 + 13 + T' − s + B + 1 + the sum's range check B' + 1, B' = 3s − 2 + log n)", error: '≤ 2e-3 absolute + 2^-s' },
  Sin: { group: 'activation', attributes: [], dtypes: F, constraints: 'x range-checked (B + 1 unless it has been) + range reduction x·2^g = q·C + r, C = round(2π·2^(s+g)), g = B − s (hints checked: 1 + (B − s) + 2·(B + 4)) + piecewise on r over [0, 8) (≤ 26 monomials + 2) + rescale (2B − 2 + B + 1); 126 at s = 8, B = 16 for a range-checked x', error: '≤ 1.5e-4 + 2^-s absolute (measured ≤ 0.64·2^-s)' },
  Cos: { group: 'activation', attributes: [], dtypes: F, constraints: 'as Sin (its own table on the same reduction); 126 at s = 8, B = 16 for a range-checked x', error: '≤ 1.5e-4 + 2^-s absolute (measured ≤ 0.64·2^-s)' },
  LayerNormalization: { group: 'activation', attributes: ['axis', 'epsilon (at least 2^-2s·n^-3 in effect)', 'Scale and B constant'], dtypes: F, constraints: 'per element: 1 square + proved division (≈ 2·(B + 1.5·log n + 8) + B + 3); per group: 1 + proved square root (3·(B + 1.5·log n + 7) + 6)', error: '≤ 0.5 + |γ|·(2^-(s+3) relative) in 2^-s units' },
  InstanceNormalization: { group: 'activation', attributes: ['epsilon', 'scale and B constant'], dtypes: F, constraints: 'as LayerNormalization, one group per (n, c)', error: 'as LayerNormalization' },
  ReduceL2: { group: 'arithmetic', attributes: ['axes (attribute or input)', 'keepdims'], dtypes: F, constraints: 'one product per element + proved square root per output (3·(B + log n/2 + 1) + 6)', error: '≤ 1 (floor of the root at 2^-s)' },
  Sqrt: { group: 'activation', attributes: [], dtypes: F, constraints: 'proved square root: 3·((B + s)/2 + 1) + 6 per element (45 at s = 8, B = 16)', error: '≤ 1 (floor at 2^-s); a negative input has no witness' },
  Reciprocal: { group: 'activation', attributes: [], dtypes: F, constraints: '4B + 7 per element, less when x carries a range check (proved rounded division of 2^(2s) by x)', error: '≤ 0.5; x = 0 has no witness, 1/x must fit B bits' },
}

/** The ops the compiler takes, Gemm and MatMul first (error messages list them in this order). */
export const SUPPORTED_OPS: readonly string[] = Object.keys(OP_CATALOG)
