export type { LcTerms, R1csConstraint, R1csData } from './types.ts'
export { writeR1cs } from './writeR1cs.ts'
export { writeWtns } from './writeWtns.ts'
