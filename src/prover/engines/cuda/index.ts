export { cudaEngine } from './cudaEngine.ts'
export { cudaDecision, parseCudaStatus, type CudaStatus } from './gpuStatus.ts'
