import { canonicalJson } from '../circuitId.ts'
import { sha256Hex } from '../hash.ts'

/**
 * The verifying key's hash, the value a circuit's verifier contract exposes as `vkHash()`, the manifest
 * records as `vkHash` and ModelRegistry stores with the model: it binds a deployed verifier to one setup.
 *
 * Preimage (exact): the UTF-8 bytes of the verification key JSON that snarkjs's
 * `zKey.exportVerificationKey` returns, serialised with object keys sorted at every depth, no whitespace,
 * and `undefined` members dropped (JSON.stringify of the key-sorted value). Hash: sha256, `0x` hex.
 * The key's numbers are decimal strings in snarkjs's output, so the bytes are the same on every machine.
 *
 * @example
 * ```ts
 * import { verificationKeyHash } from './src/compiler/snark/vkHash.ts'
 * const vk = JSON.parse(readFileSync('out/pool-risk/verification_key.json', 'utf8'))
 * verificationKeyHash(vk) // '0x…' (= manifest.vkHash = verifier.vkHash())
 * ```
 */
export function verificationKeyHash(vkey: unknown): `0x${string}` {
  // The same canonical JSON a circuit id is taken over (src/compiler/circuitId.ts).
  return sha256Hex(new TextEncoder().encode(canonicalJson(vkey)))
}

