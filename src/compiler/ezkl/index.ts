// The ezkl (Halo2/KZG) backend: the ezkl Python wheel driven through a JSON-lines bridge.
export { ensureEzklVenv, ezklInstalled, EZKL_VERSION, venvDir, installCommand } from './venv.ts'
export { EzklBridge, ezklBridge, type EzklOps, type EzklOp, type EzklRunArgs } from './bridge.ts'
export { compileEzkl, type EzklCompileOptions, type EzklCompileProgress } from './compileEzkl.ts'
export { loadEzklCircuit, proveEzkl, verifyEzkl, type EzklCircuit, type EzklProof, type EzklWitness } from './ezklCircuit.ts'
export { CONTEXT, contextLimbs, instancesFromSignals, feltToBigint, bigintToFelt, MAX_SUBJECT, MAX_ROUND } from './context.ts'
export { ezklAdapterSolidity } from './adapterSolidity.ts'
