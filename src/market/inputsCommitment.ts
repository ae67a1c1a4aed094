import { encodeAbiParameters, encodePacked, keccak256, type Hex } from 'viem'
import { BaseError } from '../errors/index.ts'
import { mod, P } from '../compiler/field.ts'
import type { CircuitManifest } from '../compiler/manifest.ts'

/**
 * The commitment a ProofMarket request makes to the inputs it pays for: `keccak256(abi.encodePacked(inputs))`
 * over the public model-input signals as field elements, in signal order. `ProofMarket.fulfil` recomputes it
 * from the proof's signals and refuses a proof over any other inputs.
 *
 * @example
 * ```ts
 * import { inputsCommitment } from './src/market/index.ts'
 * const inputsHash = inputsCommitment([5n, 21888242871839275222246405745257275088548364400416034343698204186575808495616n])
 * ```
 */
export function inputsCommitment(inputSignals: readonly bigint[]): Hex {
  if (inputSignals.length === 0 || inputSignals.some((x) => x < 0n || x >= P))
    throw new BaseError('MARKET_QUOTE_INVALID', 'Input signals must be field elements.', {
      details: `expected at least one value in [0, P), got [${inputSignals.slice(0, 4).join(', ')}${inputSignals.length > 4 ? ', …' : ''}]`,
    })
  return keccak256(encodePacked(['uint256[]'], [[...inputSignals]]))
}

/**
 * The public input signals a proof of `input` (real numbers, flat, in graph-input order) will carry for a
 * compiled circuit: each value rounded to its signal's fixed-point scale, as the prover quantizes it, then
 * reduced mod P (negatives wrap). What a requester commits to before anyone proves.
 *
 * @example
 * ```ts
 * import { inputSignalsOf, inputsCommitment } from './src/market/index.ts'
 * const inputsHash = inputsCommitment(inputSignalsOf(manifest, [20.6, 0.02, 0.04]))
 * ```
 */
export function inputSignalsOf(manifest: Pick<CircuitManifest, 'publicSignals'>, input: readonly number[]): bigint[] {
  const ins = manifest.publicSignals.filter((s) => s.kind === 'input')
  if (input.length !== ins.length || !input.every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw new BaseError('INPUT_INVALID', 'Inference input has the wrong shape.', {
      details: `expected ${ins.length} finite numbers, got ${Array.isArray(input) ? `${input.length} values` : typeof input}`,
    })
  return ins.map((s, i) => mod(BigInt(Math.round(input[i]! * 2 ** s.scaleBits))))
}

/**
 * The statement a request pays for, as `ProofMarket.statementOf` computes it: paid at most once, ever.
 *
 * @example
 * ```ts
 * import { statementOf } from './src/market/index.ts'
 * statementOf(circuitId, 1n, 7n, inputsHash) // 0x… (bytes32)
 * ```
 */
export function statementOf(circuitId: Hex, subject: bigint, round: bigint, inputsHash: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bytes32' }], [circuitId, subject, round, inputsHash]))
}
