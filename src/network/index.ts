// The prover network: queue, job store, coordinator, circuit registry, sweeper, artifact stores,
// worker directory, and the ProvingEngine seam the provers implement (src/prover/).
export { connectRedis, parseClusterUrl, defaultRedisUrl, type ConnectRedisOptions } from './redis.ts'
export { redisKeys, netPrefix, bullPrefix, isCluster, proveQueueName, resultsQueueName, type RedisKeys } from './keys.ts'
export { LocalArtifactStore, sha256Hex, defaultStoreDir, StreamMeter, DEFAULT_ARTIFACT_MAX_BYTES, type ArtifactStore, type ContentHash, type StreamedPut } from './artifactStore.ts'
export { RedisArtifactStore } from './redisArtifactStore.ts'
export { openArtifactStore } from './openStore.ts'
export { LruCache } from './lruCache.ts'
export type { Hardware, GpuInfo, ProverEngineName } from './hardware.ts'
export { canonicalJson, circuitId } from '../compiler/circuitId.ts'
export { jobStates, allowedFrom, isTerminal, canTransition, assertTransition, type JobState } from './jobState.ts'
export { JobStore, jobNotFound, RECENT_JOBS_KEPT, type JobRecord, type JobEvent, type ProofResult, type TransitionOptions } from './jobStore.ts'
export {
  estimateMemoryMiB, jobRequirements, needsGpu, classOf, className, parseClassName, meetsClass, meetsRequirements, maxMemoryGiB,
  type JobRequirements, type CapabilityClass,
} from './requirements.ts'
export { CircuitRegistry, requiredArtifacts, requiredArtifactsFor, type RegisteredCircuit } from './circuitRegistry.ts'
export { ProverQueue, parseFieldUint, checkInputRange, idempotentJobId, type SubmitJobRequest, type SubmitResult, type ProveJobData, type ProverQueueOptions } from './proverQueue.ts'
export type { ProvingEngine, LoadedCircuit, ProveProgress } from './provingEngine.ts'
export { CircuitCache, type CircuitCacheOptions } from './circuitCache.ts'
export { JobSweeper, type SweepReport } from './jobSweeper.ts'
export { Coordinator, ResultClient, type ResultSubmission, type Verdict, type CoordinatorOptions } from './coordinator.ts'
export { listWorkers, type WorkerAd } from './workerDirectory.ts'
export { readCircuitUpload, registerCircuit, type CircuitUpload } from './registerCircuit.ts'
export { attestationMessage, attestedProver, type ResultAttestation } from './resultAttestation.ts'
export { badProofCount } from './badProofs.ts'
export { recordChainRejection, type ChainRejectionReport } from './chainRejection.ts'
export { redisPersistence, requireDurableRedis, type RedisPersistence } from './redisPersistence.ts'
export { isPlainArtifactFile, checkManifestArtifacts, joinPlainFile, MAX_ARTIFACT_FILE_LENGTH } from './artifactNames.ts'
