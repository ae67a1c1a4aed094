export type { Algebra, QTensor } from './Algebra.ts'
export { circuitAlgebra, type CircuitValue } from './circuitAlgebra.ts'
export { referenceAlgebra } from './referenceAlgebra.ts'
export { lowerGraph, type LoweredOutput, type QuantParams } from './lowerGraph.ts'
