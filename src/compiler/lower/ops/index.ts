import type { OpLowering } from '../opContext.ts'
import { arithmeticOps } from './arithmetic.ts'
import { cnnOps } from './cnn.ts'
import { compareOps } from './compare.ts'
import { nonlinearOps } from './nonlinear.ts'
import { plumbingOps } from './plumbing.ts'
import { quantizeOps } from './quantize.ts'
import { recurrentOps } from './recurrent.ts'

/**
 * Lowerings of the ops beyond the original eleven (lowerGraph dispatches here by op type).
 *
 * @example
 * ```ts
 * const [y] = LOWERINGS.MaxPool!(ctx, node) // ctx: lowerGraph's LowerContext
 * ```
 */
export const LOWERINGS: Readonly<Record<string, OpLowering>> = { ...plumbingOps, ...arithmeticOps, ...compareOps, ...cnnOps, ...quantizeOps, ...nonlinearOps, ...recurrentOps }
export { gemm, matmul, mulComputed } from './arithmetic.ts'
export { convGeneral } from './cnn.ts'
export { divComputed, FUNCTIONS, functionTable } from './nonlinear.ts'
export { tanhPiecewise } from './recurrent.ts'
