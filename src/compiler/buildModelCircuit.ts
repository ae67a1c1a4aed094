import { CircuitBuilder, type FinishedCircuit } from './circuit/index.ts'
import { circuitAlgebra, lowerGraph, type CircuitValue, type QuantParams } from './lower/index.ts'
import type { PublicSignalInfo } from './manifest.ts'
import type { OnnxGraph } from './onnx/index.ts'

export type ModelCircuit = {
  circuit: FinishedCircuit
  /** Public signals in snarkjs order: outputs…, inputs…, subject, round. */
  publicSignals: PublicSignalInfo[]
  outputs: { name: string; dims: number[]; scaleBits: number; postprocess?: 'sigmoid' }[]
}

/**
 * The circuit of a model: quantized inputs and the context (subject, round) are public inputs,
 * every output element is a public output. Inputs are public so a proof can't be replayed on other
 * data; the context binds a proof to one feed subject and one round.
 *
 * @example
 * ```ts
 * const { circuit, publicSignals } = buildModelCircuit(parseOnnx(bytes), { scaleBits: 8, activationBits: 20, sigmoid: 'proved' })
 * console.log(circuit.r1cs.constraints.length)
 * ```
 */
export function buildModelCircuit(graph: OnnxGraph, params: QuantParams): ModelCircuit {
  const b = new CircuitBuilder()
  const alg = circuitAlgebra(b)
  const publicInputs: PublicSignalInfo[] = []
  const inputs = graph.inputs.map((info) => {
    const n = info.shape.reduce((a, c) => a * c, 1)
    const data: CircuitValue[] = []
    // int and bool inputs are exact integers (scale 0), as quantizeInput makes them.
    const scale = info.dtype === 'int' || info.dtype === 'bool' ? 0 : params.scaleBits
    for (let i = 0; i < n; i++) {
      data.push({ lc: b.publicInput() })
      publicInputs.push({ kind: 'input', name: `${info.name}[${i}]`, index: i, scaleBits: scale })
    }
    return { dims: [...info.shape], data, scale }
  })
  const subject = b.publicInput()
  const round = b.publicInput()
  // snarkjs already binds every public input in its setup; squaring them too keeps that true for
  // any backend that does not (two constraints, negligible).
  b.mul(subject, subject, 'bind subject')
  b.mul(round, round, 'bind round')

  const lowered = lowerGraph(graph, alg, inputs, params)
  const outputSignals: PublicSignalInfo[] = []
  for (const o of lowered)
    o.data.forEach((v, i) => {
      b.output(v.lc, `${o.name}[${i}]`)
      outputSignals.push({
        kind: 'output',
        name: `${o.name}[${i}]`,
        index: i,
        scaleBits: o.scale,
        ...(o.postprocess ? { postprocess: o.postprocess } : {}),
      })
    })
  return {
    circuit: b.finish(),
    publicSignals: [...outputSignals, ...publicInputs, { kind: 'context', name: 'subject' }, { kind: 'context', name: 'round' }],
    outputs: lowered.map((o) => ({ name: o.name, dims: o.dims, scaleBits: o.scale, ...(o.postprocess ? { postprocess: o.postprocess } : {}) })),
  }
}
