import { cnnOps } from './cnnOps.ts'
import { mathOps } from './mathOps.ts'
import { quantOps } from './quantOps.ts'
import { recurrentOps } from './recurrentOps.ts'
import { NONLINEAR_FLOAT } from './nonlinearOps.ts'
import { shapeOps, type FloatOp } from './shapeOps.ts'

/**
 * Float64 evaluators of the ops beyond the original eleven, by op type (see evaluateFloat).
 *
 * @example
 * ```ts
 * FLOAT_OPS.Transpose!(node, [x])[0].dims // x's dims reversed
 * ```
 */
export const FLOAT_OPS: Readonly<Record<string, FloatOp>> = { ...shapeOps, ...mathOps, ...cnnOps, ...quantOps, ...NONLINEAR_FLOAT, ...recurrentOps }

export type { FloatOp }
export { dtypeOf } from './shapeOps.ts'
export * from './helpers.ts'
export { resizeTaps } from './resizeOps.ts'
export { quantChannel, quantizeRange, roundHalfEven } from './quantOps.ts'
export { einsumPlan, matmulShapes, topkSwaps } from './mathOps.ts'
export { averageDivisor, batchNormCoefficients, convGeneral, convTaps, convTransposeTaps, isGeneralConv, poolKernel } from './cnnOps.ts'
export { evaluateRecurrent, floatActivation, recurrentOperands, recurrentSpec, runRecurrent, type CellArith, type RecurrentActivation, type RecurrentKind, type RecurrentSpec, type RecurrentWeights } from './recurrentOps.ts'
export { erf } from './nonlinearOps.ts'
