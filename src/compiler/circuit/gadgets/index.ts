export { decompose, rangeCheck, type Decomposed } from './decompose.ts'
export { rescale } from './rescale.ts'
export { relu } from './relu.ts'
export { sigmoid, sigmoidTable } from './sigmoid.ts'
