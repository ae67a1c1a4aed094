export { CircuitBuilder, firstUnsatisfied, type FinishedCircuit } from './CircuitBuilder.ts'
export { Lc, type LcJson } from './Lc.ts'
export { runWitnessProgram, type WitnessProgram, type WitnessStep } from './WitnessProgram.ts'
export * from './gadgets/index.ts'
