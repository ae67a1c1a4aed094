export { connectRedis, defaultRedisUrl, type ConnectRedisOptions } from './redis.ts'
export { redisKeys, proveQueueName, resultsQueueName, type RedisKeys } from './keys.ts'
export { LocalArtifactStore, sha256Hex, defaultStoreDir, type ArtifactStore, type ContentHash } from './artifactStore.ts'
export { LruCache } from './lruCache.ts'
export { parseNvidiaSmi, detectGpus, detectHardware, type Hardware, type GpuInfo, type DetectHardwareOptions } from './hardware.ts'
export { canonicalJson, circuitId } from './canonicalJson.ts'
export { jobStates, allowedFrom, isTerminal, canTransition, assertTransition, type JobState } from './jobState.ts'
export { JobStore, jobNotFound, type JobRecord, type JobEvent, type ProofResult, type TransitionOptions } from './jobStore.ts'
export {
  estimateMemoryMiB, jobRequirements, classOf, className, parseClassName, meetsClass, meetsRequirements, maxMemoryGiB,
  type JobRequirements, type CapabilityClass,
} from './requirements.ts'
export { CircuitRegistry, requiredArtifacts, type RegisteredCircuit } from './circuitRegistry.ts'
export { ProverQueue, parseFieldUint, type SubmitJobRequest, type SubmitResult, type ProveJobData, type ProverQueueOptions } from './proverQueue.ts'
export { compilerEngine, type ProvingEngine, type LoadedCircuit, type ProveProgress } from './provingEngine.ts'
export { CircuitCache, type CircuitCacheOptions } from './circuitCache.ts'
export { Coordinator, ResultClient, type ResultSubmission, type Verdict, type CoordinatorOptions } from './coordinator.ts'
export { ProverWorker, tamperProof, type ProverWorkerOptions, type WorkerHooks, type WorkerJob, type ProveOutcome } from './proverWorker.ts'
export { listWorkers, type WorkerAd } from './workerDirectory.ts'
