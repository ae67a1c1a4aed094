import { randomBytes } from 'node:crypto'
import * as snarkjs from 'snarkjs'
import { BaseError } from '../../errors/index.ts'
import { captureLogger } from './logger.ts'
import { readPtauHeader } from './ptau.ts'
import { requiredPtauPower } from './requiredPtauPower.ts'
import type { Backend, VerificationKey } from './types.ts'

/**
 * Keys for one circuit: the proving key (`.zkey` bytes) and the verification key JSON.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs'
 * import { setupGroth16, DEFAULT_PTAU_PATH, type SnarkKeys } from './src/compiler/snark/index.ts'
 * const keys: SnarkKeys = await setupGroth16({ r1cs, ptauPath: DEFAULT_PTAU_PATH })
 * writeFileSync('circuit.zkey', keys.zkey)
 * ```
 */
export type SnarkKeys = { zkey: Uint8Array; vkey: VerificationKey }

/**
 * Groth16 setup: a circuit-specific zkey from the R1CS and a prepared ptau, then ONE phase-2
 * contribution with `entropy` (random 64 bytes when omitted, never stored) so the key's delta is not
 * the publicly known initial value. That is enough for tests and single-operator deployments; a
 * production circuit should run a multi-party phase 2 on top.
 *
 * @example
 * ```ts
 * import { setupGroth16, DEFAULT_PTAU_PATH } from './src/compiler/snark/index.ts'
 * const { zkey, vkey } = await setupGroth16({ r1cs: r1csBytes, ptauPath: DEFAULT_PTAU_PATH })
 * console.log(vkey.nPublic)
 * ```
 */
export async function setupGroth16(opts: { r1cs: Uint8Array; ptauPath: string; entropy?: string }): Promise<SnarkKeys> {
  await checkPtau('groth16', opts.r1cs, opts.ptauPath)
  const log = captureLogger()
  const initial: { type: 'mem'; data?: Uint8Array } = { type: 'mem' }
  const contributed: { type: 'mem'; data?: Uint8Array } = { type: 'mem' }
  const entropy = opts.entropy ?? randomBytes(64).toString('hex')
  await run('groth16', log, () => snarkjs.zKey.newZKey(opts.r1cs, opts.ptauPath, initial, log))
  await run('groth16', log, () => snarkjs.zKey.contribute(initial.data!, contributed, 'zkml-oracle phase 2', entropy, log))
  const zkey = contributed.data!
  const vkey = await run('groth16', log, () => snarkjs.zKey.exportVerificationKey(zkey, log))
  return { zkey, vkey }
}

/**
 * PLONK setup: universal, so the zkey comes straight from the R1CS and the ptau with no per-circuit
 * ceremony. PLONK needs a bigger ptau than Groth16 for the same R1CS (see `requiredPtauPower`).
 *
 * @example
 * ```ts
 * import { setupPlonk, DEFAULT_PTAU_PATH } from './src/compiler/snark/index.ts'
 * const { zkey, vkey } = await setupPlonk({ r1cs: r1csBytes, ptauPath: DEFAULT_PTAU_PATH })
 * console.log(vkey.protocol) // 'plonk'
 * ```
 */
export async function setupPlonk(opts: { r1cs: Uint8Array; ptauPath: string }): Promise<SnarkKeys> {
  await checkPtau('plonk', opts.r1cs, opts.ptauPath)
  const log = captureLogger()
  const out: { type: 'mem'; data?: Uint8Array } = { type: 'mem' }
  await run('plonk', log, () => snarkjs.plonk.setup(opts.r1cs, opts.ptauPath, out, log))
  const zkey = out.data!
  const vkey = await run('plonk', log, () => snarkjs.zKey.exportVerificationKey(zkey, log))
  return { zkey, vkey }
}

/** Fails early, with numbers, where snarkjs would only log and return -1. */
async function checkPtau(backend: Backend, r1cs: Uint8Array, ptauPath: string): Promise<void> {
  const header = await readPtauHeader(ptauPath)
  const need = await requiredPtauPower(backend, r1cs)
  if (need > header.power)
    throw new BaseError('PTAU_TOO_SMALL', `The ${backend} setup needs a larger powers-of-tau file.`, {
      details:
        `expected a ptau of power >= ${need}, got power ${header.power} (${ptauPath}); pass --ptau <a prepared ceremony file of power >= ${need}> ` +
        `(e.g. powersOfTau28_hez_final_${need}.ptau), or for tests only: zkml dev-ptau --power ${need}, then --ptau with the file it prints`,
      meta: { backend, required: need, power: header.power },
    })
  if (!header.prepared)
    throw new BaseError('SETUP_FAILED', 'The powers-of-tau file is not prepared for phase 2.', {
      details: `expected the output of "snarkjs powersoftau prepare phase2", got a phase-1-only file (${ptauPath})`,
    })
}

/** snarkjs setup signals failure by returning -1 after logging, not by throwing: make both an error. */
async function run<T>(backend: Backend, log: ReturnType<typeof captureLogger>, step: () => Promise<T>): Promise<T> {
  let result: T
  try {
    result = await step()
  } catch (e) {
    throw new BaseError('SETUP_FAILED', `${backend} key generation failed.`, { details: log.problems() || (e as Error).message, cause: e })
  }
  if ((result as unknown) === -1)
    throw new BaseError('SETUP_FAILED', `${backend} key generation failed.`, { details: log.problems() || 'snarkjs returned -1' })
  return result
}
