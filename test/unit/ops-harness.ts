// Conformance harness for the op tests (test/unit/ops-*.test.ts); not a test file itself.
// A tiny ONNX model is built with onnx-proto, parsed, calibrated and compiled; on random inputs the
// circuit's own witness must satisfy every constraint, equal the bigint reference exactly, and match
// onnxruntime-node within the calibrated error. `prove: true` also runs a real Groth16 proof.
import assert from 'node:assert/strict'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import { firstUnsatisfied, runWitnessProgram } from '../../src/compiler/circuit/index.ts'
import { mod, P, toSigned } from '../../src/compiler/field.ts'
import { lowerGraph, referenceAlgebra } from '../../src/compiler/lower/index.ts'
import { buildOnnxModel, parseOnnx, runOnnxruntime, type OnnxGraph, type OnnxModelSpec } from '../../src/compiler/onnx/index.ts'
import type { OrtInputType } from '../../src/compiler/onnx/runOnnxruntime.ts'
import { calibrate, dequantize, quantizeInput } from '../../src/compiler/quantize/index.ts'
import { writeR1cs, writeWtns } from '../../src/compiler/r1cs/index.ts'
import { DEFAULT_PTAU_PATH, prove, setupGroth16, setupPlonk, verify } from '../../src/compiler/snark/index.ts'

export function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const size = (d: readonly number[]) => d.reduce((a, b) => a * b, 1)
export const rand = (r: () => number, dims: number[], scale = 1) => ({ dims, data: Float64Array.from({ length: size(dims) }, () => (r() * 2 - 1) * scale) })

export type ConformOptions = {
  samples?: number
  /** Fixed samples (flat, in graph-input order) instead of random ones. */
  data?: number[][]
  /** Inputs are uniform in [-range, range] (bool inputs 0/1, int inputs whole numbers in that range). */
  range?: number
  /** Round inputs to multiples of 1/grid (exact at any scale ≥ log2 grid): comparisons then can't flip. */
  grid?: number
  /** Largest allowed |circuit − onnxruntime| (default: 1% of the largest |output| plus 2^-s). */
  tolerance?: number
  prove?: boolean
  /** The proof system `prove` uses (default groth16). */
  backend?: 'groth16' | 'plonk'
  /** An equivalent model onnxruntime runs instead (one whose op form onnxruntime lacks, e.g. batch-first recurrent layout). */
  ortSpec?: OnnxModelSpec
  seed?: number
  scales?: number[]
}

const ortType = (g: OnnxGraph, name: string): OrtInputType => {
  const t = g.inputs.find((i) => i.name === name)?.onnxType
  return t === 'bool' || t === 'int64' || t === 'int32' ? t : t === 'double' ? 'float64' : 'float32'
}

/** Compiles the model and checks it three ways; returns the circuit's size and the worst error seen. */
export async function conform(spec: OnnxModelSpec, opts: ConformOptions = {}) {
  const bytes = buildOnnxModel(spec)
  const g = parseOnnx(bytes)
  const r = rng(opts.seed ?? 11)
  const range = opts.range ?? 2
  const sample = () =>
    g.inputs.flatMap((info) =>
      Array.from({ length: size(info.shape) }, () => {
        if (info.dtype === 'bool') return r() < 0.5 ? 0 : 1
        if (info.dtype === 'int') return Math.round((r() * 2 - 1) * range)
        const x = (r() * 2 - 1) * range
        return opts.grid ? Math.round(x * opts.grid) / opts.grid : x
      }),
    )
  const samples = opts.data ?? Array.from({ length: opts.samples ?? 6 }, sample)
  const cal = calibrate(g, samples, { target: 'accuracy', ...(opts.scales ? { scales: opts.scales } : {}) })
  const { params } = cal
  const model = buildModelCircuit(g, params)
  const { circuit, publicSignals } = model
  const outSignals = publicSignals.filter((p) => p.kind === 'output')
  let maxErr = 0
  let lastWitness: bigint[] = []
  for (const s of samples) {
    const qin = quantizeInput(g, s, params.scaleBits)
    const w = runWitnessProgram(circuit.program, [...qin.flatMap((t) => t.data.map(mod)), 3n, 4n])
    assert.equal(firstUnsatisfied(circuit.r1cs, w), -1, 'the honest witness satisfies every constraint')
    const got = circuit.outputWires.map((wire) => toSigned(w[wire]!))
    const ref = lowerGraph(g, referenceAlgebra, qin, params).flatMap((o) => o.data)
    assert.deepEqual(got, ref, 'circuit witness = bigint reference')
    const feeds: Record<string, { data: Float32Array; dims: number[]; type: OrtInputType }> = {}
    let off = 0
    for (const info of g.inputs) {
      feeds[info.name] = { data: Float32Array.from(s.slice(off, off + size(info.shape))), dims: info.shape, type: ortType(g, info.name) }
      off += size(info.shape)
    }
    const ort = await runOnnxruntime(opts.ortSpec ? buildOnnxModel(opts.ortSpec) : bytes, feeds)
    const want = g.outputs.flatMap((o) => Array.from(ort[o.name]!))
    assert.equal(got.length, want.length, 'one public output per onnxruntime output value')
    got.forEach((v, i) => {
      const sig = outSignals[i] as { scaleBits: number }
      maxErr = Math.max(maxErr, Math.abs(dequantize(v, sig.scaleBits) - want[i]!))
    })
    lastWitness = w
  }
  const tolerance = opts.tolerance ?? 0.01 * Math.max(1, cal.floatMaxAbs) + 2 ** -params.scaleBits + 1e-4
  assert.ok(maxErr <= tolerance, `max |circuit - onnxruntime| ${maxErr} within ${tolerance} (s=${params.scaleBits})`)
  if (opts.prove) {
    const r1cs = writeR1cs(circuit.r1cs)
    const backend = opts.backend ?? 'groth16'
    const { zkey, vkey } = backend === 'plonk' ? await setupPlonk({ r1cs, ptauPath: DEFAULT_PTAU_PATH }) : await setupGroth16({ r1cs, ptauPath: DEFAULT_PTAU_PATH, entropy: 'ops conformance' })
    const { proof, publicSignals: signals } = await prove(backend, zkey, writeWtns(lastWitness))
    assert.equal(BigInt(signals[0]!), lastWitness[circuit.outputWires[0]!], 'the proof carries the first output')
    assert.equal(await verify(backend, vkey, signals, proof), true, `${backend} proof verifies`)
    // the same proof with one output changed must not verify
    const forged = [...signals]
    forged[0] = String((BigInt(forged[0]!) + 1n) % P)
    assert.equal(await verify(backend, vkey, forged, proof).catch(() => false), false, `${backend} rejects a changed output`)
  }
  return { graph: g, constraints: circuit.r1cs.constraints.length, maxErr, params, circuit }
}
