import type { CircuitManifest } from '../compiler/manifest.ts'
import { BaseError } from '../errors/index.ts'

/** ModelRegistry.Layout as viem passes it. */
export type RegistryLayout = { nOutputs: number; nInputs: number; subjectIndex: number; roundIndex: number; scaleBits: number }

/**
 * The ModelRegistry layout of a compiled circuit, read from its manifest's public signals
 * (`outputs…, inputs…, subject, round`). All outputs must share one scale: the feed converts with one.
 *
 * @example
 * ```ts
 * import { registryLayout } from './src/chain/index.ts'
 * const layout = registryLayout(manifest) // { nOutputs: 1, nInputs: 12, subjectIndex: 13, roundIndex: 14, scaleBits: 12 }
 * ```
 */
export function registryLayout(m: Pick<CircuitManifest, 'publicSignals'>): RegistryLayout {
  const sigs = m.publicSignals
  const outputs = sigs.filter((s) => s.kind === 'output')
  const nInputs = sigs.filter((s) => s.kind === 'input').length
  const subjectIndex = sigs.findIndex((s) => s.kind === 'context' && s.name === 'subject')
  const roundIndex = sigs.findIndex((s) => s.kind === 'context' && s.name === 'round')
  const scales = new Set(outputs.map((s) => (s as { scaleBits: number }).scaleBits))
  if (outputs.length === 0 || subjectIndex < 0 || roundIndex < 0 || scales.size !== 1)
    throw new BaseError('MANIFEST_INVALID', 'The manifest\'s public signals do not fit a feed layout.', {
      details: `expected ≥1 output (one scale), a subject and a round signal; got ${outputs.length} outputs with scales [${[...scales].join(', ')}], subject at ${subjectIndex}, round at ${roundIndex}`,
    })
  return { nOutputs: outputs.length, nInputs, subjectIndex, roundIndex, scaleBits: [...scales][0]! }
}
