import { BaseError } from '../../errors/index.ts'
import type { Backend, SnarkProof } from './types.ts'

/**
 * ABI-encodes a snarkjs proof as the `bytes proof` argument of `IZkmlVerifier.verify`, exactly what the
 * wrapper from `exportSolidityVerifier` decodes. Both encodings are static, so the bytes are just
 * 32-byte big-endian words:
 * - Groth16: abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c), 8 words. The G2 point b is written
 *   with each coordinate's two limbs swapped (`[[b01, b00], [b11, b10]]`), the order the EVM pairing
 *   precompile and snarkjs's Solidity verifier expect.
 * - PLONK: abi.encode(uint256[24]), 24 words: A, B, C, Z, T1, T2, T3, Wxi, Wxiw (x, y each), then
 *   eval_a, eval_b, eval_c, eval_s1, eval_s2, eval_zw, the order of snarkjs's PLONK verifier.
 *
 * @example
 * ```ts
 * import { encodeProof } from './src/compiler/snark/index.ts'
 * const bytes = encodeProof('groth16', proof) // 0x + 512 hex digits
 * ```
 */
export function encodeProof(backend: Backend, proof: SnarkProof): `0x${string}` {
  const p = proof as Record<string, unknown>
  const at = (path: (string | number)[]): unknown => path.reduce<unknown>((o, k) => (o as Record<string | number, unknown> | undefined)?.[k], p)
  const word = (path: (string | number)[]): string => {
    const v = at(path)
    let n: bigint | undefined
    try {
      if (typeof v === 'string' && /^(0|[1-9][0-9]*)$/.test(v)) n = BigInt(v)
      if (typeof v === 'bigint') n = v
    } catch {}
    if (n === undefined || n >= 1n << 256n)
      throw new BaseError('PROOF_INVALID', `Cannot encode the ${backend} proof.`, {
        details: `expected ${path.join('.')} as a decimal string below 2^256, got ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)}`,
      })
    return n.toString(16).padStart(64, '0')
  }
  const paths: (string | number)[][] =
    backend === 'groth16'
      ? [
          ['pi_a', 0], ['pi_a', 1],
          ['pi_b', 0, 1], ['pi_b', 0, 0], ['pi_b', 1, 1], ['pi_b', 1, 0],
          ['pi_c', 0], ['pi_c', 1],
        ]
      : [
          ...['A', 'B', 'C', 'Z', 'T1', 'T2', 'T3', 'Wxi', 'Wxiw'].flatMap((k) => [[k, 0], [k, 1]]),
          ...['eval_a', 'eval_b', 'eval_c', 'eval_s1', 'eval_s2', 'eval_zw'].map((k) => [k]),
        ]
  return `0x${paths.map(word).join('')}`
}
