import { P } from '../compiler/field.ts'
import { BaseError } from '../errors/index.ts'
import { circuitId } from '../compiler/circuitId.ts'
import type { CircuitManifest } from '../compiler/manifest.ts'

/**
 * The public input signals a proof of `inputs` must carry: each real input quantized exactly as the
 * prover does (`round(x · 2^scaleBits)`, src/compiler/quantize/quantizeIo.ts; a test keeps the two
 * equal) and read as a field element (negatives wrap to P - |x|).
 *
 * @example
 * ```ts
 * import { expectedInputSignals } from './src/oracle/index.ts'
 * expectedInputSignals([1.5, -0.25], [8, 8]) // [384n, P - 64n]
 * ```
 */
export function expectedInputSignals(inputs: readonly number[], scaleBits: readonly number[]): bigint[] {
  if (inputs.length !== scaleBits.length)
    throw new BaseError('ORACLE_INPUTS_MISMATCH', 'The inputs read do not fit the circuit\'s input signals.', {
      details: `expected ${scaleBits.length} inputs, got ${inputs.length}`,
    })
  return inputs.map((x, i) => {
    const v = BigInt(Math.round(x * 2 ** scaleBits[i]!)) % P
    return v < 0n ? v + P : v
  })
}

/**
 * The scale of each input signal from a circuit manifest the oracle did not write: it must hash to
 * the feed's configured `circuitId` (a circuit id is the sha256 of its canonical manifest), and its
 * input signals must sit where the on-chain registry layout says (`nInputs` of them after the
 * `nOutputs` outputs). Anything else is `ORACLE_INPUTS_MISMATCH`: without a trusted scale the oracle
 * cannot know what a proof of its inputs looks like.
 *
 * @example
 * ```ts
 * import { inputScalesFromManifest } from './src/oracle/index.ts'
 * const scales = inputScalesFromManifest(manifest, feed.circuitId, { nOutputs: 1, nInputs: 12 }) // [12, 12, …]
 * ```
 */
export function inputScalesFromManifest(manifest: unknown, expectedCircuitId: string, layout: { nOutputs: number; nInputs: number }): number[] {
  const fail = (expected: string, got: unknown): never => {
    throw new BaseError('ORACLE_INPUTS_MISMATCH', 'The circuit manifest from the prover network cannot be trusted for this feed.', {
      details: `expected ${expected}, got ${JSON.stringify(got)?.slice(0, 120)}`,
    })
  }
  const m = manifest as Partial<CircuitManifest> | null
  if (!m || typeof m !== 'object' || !Array.isArray(m.publicSignals)) return fail('a circuit manifest with publicSignals', manifest)
  const id = circuitId(m as CircuitManifest)
  if (id !== expectedCircuitId) fail(`the manifest of circuit ${expectedCircuitId}`, `one hashing to ${id}`)
  const sigs = m.publicSignals
  const scales: number[] = []
  for (let i = 0; i < layout.nInputs; i++) {
    const s = sigs[layout.nOutputs + i] as { kind?: unknown; scaleBits?: unknown } | undefined
    if (s?.kind !== 'input' || !Number.isInteger(s.scaleBits) || (s.scaleBits as number) < 0 || (s.scaleBits as number) > 64)
      fail(`public signal ${layout.nOutputs + i} to be an input with an integer scale (registry layout: ${layout.nInputs} inputs after ${layout.nOutputs} outputs)`, s)
    scales.push(s!.scaleBits as number)
  }
  if (sigs.filter((s) => s.kind === 'input').length !== layout.nInputs)
    fail(`${layout.nInputs} input signals, as the registry layout says`, sigs.filter((s) => s.kind === 'input').length)
  return scales
}
