import { sha256Hex } from './hash.ts'
import type { CircuitManifest } from './manifest.ts'

/**
 * JSON with object keys sorted at every depth and no whitespace, so equal values serialise to
 * equal bytes whatever order their keys were written in.
 *
 * @example
 * ```ts
 * import { canonicalJson } from './src/compiler/index.ts'
 * canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }) // '{"a":[{"c":3,"d":2}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k]
      if (x !== undefined) out[k] = sortKeys(x)
    }
    return out
  }
  return v
}

/**
 * A circuit's id: sha256 of its canonical manifest JSON, `0x` hex. It commits to every artifact
 * hash, so a circuit id names exactly one set of keys.
 *
 * @example
 * ```ts
 * import { circuitId } from './src/compiler/index.ts'
 * const id = circuitId(manifest) // '0x…'
 * ```
 */
export function circuitId(manifest: CircuitManifest): `0x${string}` {
  return sha256Hex(canonicalJson(manifest))
}
