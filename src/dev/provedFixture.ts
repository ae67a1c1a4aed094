import type { Hex } from 'viem'
import type { Backend } from '../compiler/manifest.ts'
import { writeR1cs, writeWtns } from '../compiler/r1cs/index.ts'
import { DEFAULT_PTAU_PATH, encodeProof, exportSolidityVerifier, prove, setupGroth16, setupPlonk, verificationKeyHash, type VerificationKey } from '../compiler/snark/index.ts'
import { compileSolidity } from '../compiler/solidity/compileSolidity.ts'
import { verifierAbi } from '../chain/projectContracts.ts'
import { fixtureCircuit, type FixtureCircuit } from './fixtureCircuit.ts'

/** A fixture circuit with real keys and its compiled IZkmlVerifier contract (typed with the IZkmlVerifier ABI it implements). */
export type ProvedFixture = {
  backend: Backend
  circuit: FixtureCircuit
  zkey: Uint8Array
  verifier: { abi: typeof verifierAbi; bytecode: Hex }
  /** The verifying key (snarkjs JSON) and the verifier's `vkHash()` (its verificationKeyHash). */
  vkey: VerificationKey
  vkHash: Hex
  /** A real proof (IZkmlVerifier encoding) and its public signals. */
  prove(inputs: readonly bigint[], subject: bigint, round: bigint): Promise<{ proof: Hex; publicSignals: bigint[] }>
}

/**
 * Sets up keys for `fixtureCircuit(nOutputs, nInputs)` and compiles its verifier, so contract tests and
 * the gas bench check real Groth16/PLONK proofs without compiling a model.
 *
 * @example
 * ```ts
 * import { provedFixture } from './src/dev/provedFixture.ts'
 * const fx = await provedFixture('groth16', 1, 2)
 * const { proof, publicSignals } = await fx.prove([5n, 3n], 7n, 1n)
 * ```
 */
export async function provedFixture(backend: Backend, nOutputs: number, nInputs: number, name = `Fixture${backend === 'groth16' ? 'G' : 'P'}${nOutputs}x${nInputs}`): Promise<ProvedFixture> {
  const circuit = fixtureCircuit(nOutputs, nInputs)
  const r1cs = writeR1cs(circuit.r1cs)
  const { zkey, vkey } = backend === 'groth16' ? await setupGroth16({ r1cs, ptauPath: DEFAULT_PTAU_PATH }) : await setupPlonk({ r1cs, ptauPath: DEFAULT_PTAU_PATH })
  const source = await exportSolidityVerifier(backend, zkey, name)
  const verifier = { abi: verifierAbi, bytecode: compileSolidity({ [`${name}.sol`]: source })[`${name}.sol:${name}`]!.bytecode }
  return {
    backend,
    circuit,
    zkey,
    verifier,
    vkey,
    vkHash: verificationKeyHash(vkey),
    async prove(inputs, subject, round) {
      const w = circuit.witness(inputs, subject, round)
      const r = await prove(backend, zkey, writeWtns(w))
      return { proof: encodeProof(backend, r.proof), publicSignals: r.publicSignals.map((s) => BigInt(s)) }
    },
  }
}
