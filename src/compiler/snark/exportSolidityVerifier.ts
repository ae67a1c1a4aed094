import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { BaseError } from '../../errors/index.ts'
import { captureLogger } from './logger.ts'
import type { Backend } from './types.ts'
import { verificationKeyHash } from './vkHash.ts'

const require = createRequire(import.meta.url)

/**
 * Generates one Solidity source: snarkjs's verifier for this zkey (from the templates shipped in
 * node_modules/snarkjs/templates, renamed `<contractName>Groth16Verifier` / `<contractName>PlonkVerifier`
 * so several circuits can be compiled together) and a contract `contractName` implementing
 * `IZkmlVerifier` (the interface is inlined, identical to contracts/IZkmlVerifier.sol).
 *
 * The wrapper's `verify(bytes proof, uint256[] publicSignals)`:
 * - reverts `PublicSignalCount(expected, got)` when the signal count is wrong and `ProofLength(expected, got)`
 *   when `proof` is not exactly 256 (Groth16) / 768 (PLONK) bytes: those are caller bugs, not false proofs;
 * - returns false for any public signal >= the BN254 scalar field order r, before calling snarkjs's verifier
 *   (snarkjs's Groth16 template checks this, its PLONK template does not: it uses the signals mod r in its
 *   arithmetic, so only the raw bytes in its transcript hash stand between `s + r` and `s`);
 * - otherwise returns the snarkjs verifier's answer, and false (never a revert) for any well-shaped proof
 *   that does not verify;
 * - reverts `InsufficientGas` when it would answer false but the verifier may have been starved of gas
 *   (snarkjs's verifier reports a precompile out-of-gas as false), so too little gas never reads as "invalid".
 * - exposes `vkHash()`: `verificationKeyHash(vkey)` of this zkey's verifying key (see vkHash.ts), which
 *   ModelRegistry checks at registration against the hash registered with the model.
 * The source is GPL-3.0 (snarkjs's template licence).
 *
 * @example
 * ```ts
 * import { exportSolidityVerifier } from './src/compiler/snark/index.ts'
 * import { compileSolidity } from './src/compiler/solidity/compileSolidity.ts'
 * const source = await exportSolidityVerifier('groth16', zkey, 'PoolRiskVerifier')
 * const { abi, bytecode } = compileSolidity({ 'PoolRiskVerifier.sol': source })['PoolRiskVerifier.sol:PoolRiskVerifier']
 * ```
 */
export async function exportSolidityVerifier(backend: Backend, zkey: Uint8Array, contractName: string): Promise<string> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(contractName))
    throw new BaseError('SETUP_FAILED', 'Invalid verifier contract name.', {
      details: `expected a Solidity identifier, got ${JSON.stringify(contractName)}`,
    })
  const log = captureLogger()
  let vkey: Record<string, unknown>
  let verifier: string
  try {
    vkey = await snarkjs.zKey.exportVerificationKey(zkey, log)
    verifier = await snarkjs.zKey.exportSolidityVerifier(zkey, templates(), log)
  } catch (e) {
    throw new BaseError('SETUP_FAILED', 'Could not export the Solidity verifier.', { details: log.problems() || (e as Error).message, cause: e })
  }
  if (vkey.protocol !== backend)
    throw new BaseError('SETUP_FAILED', 'The zkey is for another backend.', {
      details: `expected a ${backend} zkey, got ${JSON.stringify(vkey.protocol)}`,
    })
  const n = Number(vkey.nPublic)
  if (!Number.isInteger(n) || n < 1)
    throw new BaseError('SETUP_FAILED', 'A Solidity verifier needs at least one public signal.', {
      details: `expected nPublic >= 1, got ${String(vkey.nPublic)}`,
    })
  const base = backend === 'groth16' ? 'Groth16Verifier' : 'PlonkVerifier'
  const inner = `${contractName}${base}`
  const renamed = verifier.replace(new RegExp(`\\bcontract ${base}\\b`), `contract ${inner}`)
  if (renamed === verifier) throw new BaseError('SETUP_FAILED', 'Unexpected snarkjs verifier template.', { details: `expected "contract ${base}" in the template output` })
  return `${renamed.trimEnd()}\n\n${wrapper(backend, contractName, inner, n, verificationKeyHash(vkey))}`
}

function templates(): Record<string, string> {
  const dir = join(dirname(require.resolve('snarkjs')), '..', 'templates')
  return {
    groth16: readFileSync(join(dir, 'verifier_groth16.sol.ejs'), 'utf8'),
    plonk: readFileSync(join(dir, 'verifier_plonk.sol.ejs'), 'utf8'),
  }
}

function wrapper(backend: Backend, name: string, inner: string, n: number, vkHash: string): string {
  const proofBytes = backend === 'groth16' ? 256 : 768
  const [decode, call] =
    backend === 'groth16'
      ? [
          `(uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) =
            abi.decode(proof, (uint256[2], uint256[2][2], uint256[2]));`,
          'this.verifyProof(a, b, c, signals)',
        ]
      : ['uint256[24] memory p = abi.decode(proof, (uint256[24]));', 'this.verifyProof(p, signals)']
  return `// ---- zkml-oracle wrapper: IZkmlVerifier around snarkjs's ${backend} verifier ----
pragma solidity ^0.8.20;

/// Identical to contracts/IZkmlVerifier.sol; inlined so this file compiles on its own.
interface IZkmlVerifier {
    function verify(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool);
    function publicSignalCount() external view returns (uint256);
    function vkHash() external view returns (bytes32);
}

/// @notice ${backend} verifier for one circuit behind the uniform IZkmlVerifier interface.
/// proof = ${backend === 'groth16' ? 'abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c), b limbs in EVM order' : 'abi.encode(uint256[24])'} (see encodeProof).
/// Wrong shapes (signal count, proof length) revert; a well-shaped proof that does not verify returns false.
contract ${name} is IZkmlVerifier, ${inner} {
    uint256 internal constant SIGNALS = ${n};
    uint256 internal constant PROOF_BYTES = ${proofBytes};
    /// BN254 scalar field order: public signals are field elements, so each must be below it.
    uint256 internal constant FIELD_R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// sha256 of the verifying key's canonical JSON (zkml-oracle's verificationKeyHash).
    bytes32 internal constant VK_HASH = ${vkHash};

    error PublicSignalCount(uint256 expected, uint256 got);
    error ProofLength(uint256 expected, uint256 got);
    error InsufficientGas(uint256 gasAtCall);

    uint256 internal constant GAS_MARGIN = 10000;

    function publicSignalCount() external pure override returns (uint256) {
        return SIGNALS;
    }

    function vkHash() external pure override returns (bytes32) {
        return VK_HASH;
    }

    function verify(bytes calldata proof, uint256[] calldata publicSignals) external view override returns (bool) {
        if (publicSignals.length != SIGNALS) revert PublicSignalCount(SIGNALS, publicSignals.length);
        if (proof.length != PROOF_BYTES) revert ProofLength(PROOF_BYTES, proof.length);
        uint256[${n}] memory signals;
        for (uint256 i = 0; i < SIGNALS; ++i) {
            // A signal >= r is not a field element. The PLONK template does not check it (it reduces mod r
            // in its arithmetic), so refuse it here, for both backends, before any verification.
            if (publicSignals[i] >= FIELD_R) return false;
            signals[i] = publicSignals[i];
        }
        ${decode}
        // External self-call: snarkjs's verifyProof takes calldata arrays and ends with an assembly
        // return, so it cannot be called internally.
        uint256 gasBefore = gasleft();
        bool ok = ${call};
        // snarkjs's verifier answers false when a precompile call fails, and a precompile call also fails
        // when it runs out of gas: a caller supplying too little gas could make a valid proof read false.
        // A starved call leaves about gasBefore/64 plus the verifier's 2000-gas reserve; treat that as
        // inconclusive and revert instead. (No try/catch either, for the same reason.)
        if (!ok && gasleft() < gasBefore / 64 + GAS_MARGIN) revert InsufficientGas(gasBefore);
        return ok;
    }
}
`
}
