// The prover: the worker process and its engines (one folder per engine under engines/).
export { parseNvidiaSmi, detectGpus, detectHardware, type DetectHardwareOptions } from './detectHardware.ts'
export { snarkjsEngine } from './engines/snarkjs/index.ts'
export { ezklEngine } from './engines/ezkl/index.ts'
export { backendEngine } from './engines/byBackend.ts'
export { ProverWorker, tamperProof, type ProverWorkerOptions, type WorkerHooks, type WorkerJob, type ProveOutcome } from './proverWorker.ts'
