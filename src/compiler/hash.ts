import { createHash } from 'node:crypto'

/**
 * sha256 as 0x-prefixed hex: the content address of every artifact and the model/circuit hashes.
 *
 * @example
 * ```ts
 * sha256Hex(new TextEncoder().encode('abc')) // '0xba7816bf…'
 * ```
 */
export function sha256Hex(bytes: Uint8Array | string): `0x${string}` {
  return `0x${createHash('sha256').update(bytes).digest('hex')}`
}
