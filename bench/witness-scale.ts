/**
 * bench/witness-scale: the witness program held and replayed in typed arrays
 * (src/compiler/circuit/PackedWitnessProgram.ts) against the baseline run in this same process: the
 * JSON objects `witness-program.json` parses into, replayed step by step (the interpreter the project
 * had before, kept below verbatim as `replayJson`). For each circuit: steps and terms, the memory the
 * loaded program holds (V8 heap + array buffers after a full GC: JSON objects vs packed), the time to
 * load it (JSON.parse vs JSON.parse + pack) and to replay one witness (median of BENCH_REPS, default 3),
 * with ratios packed / JSON; also the circuit's build time and the process's peak RSS once it is built
 * (run one circuit per process for its own peak). Both replays must give the same witness (checked).
 *
 *   node --expose-gc --import tsx bench/witness-scale.ts [transformer] [cnn-18] [model-20]   (default: transformer cnn-18)
 *
 * Not a test: it prints numbers. Circuits are built with buildModelCircuit at one scale (no calibration
 * search, no setup): the point is the witness program, not the keys.
 */
import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { buildModelCircuit } from '../src/compiler/buildModelCircuit.ts'
import { Lc, packWitnessProgram, runPackedWitnessProgram, type WitnessProgram } from '../src/compiler/circuit/index.ts'
import { inv, mod, toSigned } from '../src/compiler/field.ts'
import { floorDiv, isqrt } from '../src/compiler/circuit/PackedWitnessProgram.ts'
import { parseOnnx } from '../src/compiler/onnx/index.ts'
import { calibrate, quantizeInput } from '../src/compiler/quantize/index.ts'
import { scaleCnn } from './scale-models.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc --import tsx bench/witness-scale.ts')

/** The JSON-object interpreter the project replayed witnesses with before PackedWitnessProgram (the baseline). */
function replayJson(program: WitnessProgram, inputs: ReadonlyArray<bigint>): bigint[] {
  const w: (bigint | undefined)[] = new Array(program.nWires)
  w[0] = 1n
  program.inputWires.forEach((wire, i) => (w[wire] = mod(inputs[i]!)))
  for (const step of program.steps) {
    switch (step.op) {
      case 'bits': {
        const v = toSigned(Lc.fromJson(step.src).evaluate(w)) + BigInt(step.offset)
        const n = step.out.length
        if (v < 0n || v >= 1n << BigInt(n)) throw new Error(`overflow at ${step.what}`)
        for (let i = 0; i < n; i++) w[step.out[i]!] = (v >> BigInt(i)) & 1n
        break
      }
      case 'mul':
        w[step.out] = mod(Lc.fromJson(step.a).evaluate(w) * Lc.fromJson(step.b).evaluate(w))
        break
      case 'lc':
        w[step.out] = Lc.fromJson(step.src).evaluate(w)
        break
      case 'isZero': {
        const v = Lc.fromJson(step.src).evaluate(w)
        w[step.out[0]] = v === 0n ? 1n : 0n
        w[step.out[1]] = inv(v)
        break
      }
      case 'divide': {
        const n = toSigned(Lc.fromJson(step.n).evaluate(w))
        const d = toSigned(Lc.fromJson(step.d).evaluate(w))
        const q = floorDiv(n, d)
        w[step.out[0]] = mod(q)
        w[step.out[1]] = mod(n - q * d)
        break
      }
      case 'sqrt': {
        const n = toSigned(Lc.fromJson(step.src).evaluate(w))
        const y = isqrt(n)
        w[step.out[0]] = mod(y)
        w[step.out[1]] = mod(n - y * y)
        break
      }
    }
  }
  return w as bigint[]
}

type Spec = { onnx: Uint8Array; samples: number[][]; scale: number }
const SPECS: Record<string, () => Spec> = {
  transformer: () => ({
    onnx: new Uint8Array(readFileSync('models/tiny-transformer/model.onnx')),
    samples: JSON.parse(readFileSync('models/tiny-transformer/calibration.json', 'utf8')) as number[][],
    scale: 9,
  }),
  'cnn-18': () => ({ ...scaleCnn('cnn-18', 20, 16, 16), scale: 8 }),
  'model-20': () => ({ ...scaleCnn('model-20', 32, 16, 16), scale: 8 }),
}

const held = () => {
  gc()
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}
const REPS = Number(process.env.BENCH_REPS ?? 3)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['transformer', 'cnn-18']
const f = (x: number, d = 1) => x.toFixed(d)
const rows: string[] = []
for (const name of names) {
  const spec = SPECS[name]!()
  const g = parseOnnx(spec.onnx)
  const { params } = calibrate(g, spec.samples, { scales: [spec.scale] })
  let t = performance.now()
  const { circuit } = buildModelCircuit(g, params)
  const buildS = (performance.now() - t) / 1000
  const buildRssMb = process.resourceUsage().maxRSS / 1024
  const text = JSON.stringify(circuit.program)
  const constraints = circuit.r1cs.constraints.length
  const steps = circuit.program.steps.length
  const inputs = [...quantizeInput(g, spec.samples[0]!, params.scaleBits).flatMap((t) => t.data.map(mod)), 1n, 1n]
  // only the text from here: what a prover's loadCircuit starts from
  let base = held()
  t = performance.now()
  let json: WitnessProgram | undefined = JSON.parse(text) as WitnessProgram
  const jsonLoadMs = performance.now() - t
  const jsonBytes = held() - base
  const jsonMs: number[] = []
  let expect: bigint[] = []
  for (let i = 0; i < REPS; i++) {
    t = performance.now()
    expect = replayJson(json, inputs)
    jsonMs.push(performance.now() - t)
  }
  json = undefined
  expect = [...expect]
  base = held()
  t = performance.now()
  const packed = packWitnessProgram(JSON.parse(text) as WitnessProgram)
  const packLoadMs = performance.now() - t
  const packedBytes = held() - base
  const packedMs: number[] = []
  let got: bigint[] = []
  for (let i = 0; i < REPS; i++) {
    t = performance.now()
    got = runPackedWitnessProgram(packed, inputs)
    packedMs.push(performance.now() - t)
  }
  if (got.length !== expect.length || got.some((v, i) => v !== expect[i])) throw new Error(`${name}: the packed replay differs from the JSON one`)
  const terms = packed.termWire.length
  rows.push(
    `${name.padEnd(12)} ${f(buildS).padStart(7)} ${f(buildRssMb, 0).padStart(9)} ${String(constraints).padStart(9)} ${String(steps).padStart(8)} ${String(terms).padStart(9)} ${String(packed.coeffs.length).padStart(7)}  ` +
      `${f(jsonBytes / 2 ** 20).padStart(8)} ${f(packedBytes / 2 ** 20).padStart(8)} ×${f(packedBytes / jsonBytes, 3).padEnd(6)}  ` +
      `${f(jsonLoadMs, 0).padStart(7)} ${f(packLoadMs, 0).padStart(7)} ×${f(packLoadMs / jsonLoadMs, 2).padEnd(5)}  ` +
      `${f(median(jsonMs), 0).padStart(7)} ${f(median(packedMs), 0).padStart(7)} ×${f(median(packedMs) / median(jsonMs), 3)}`,
  )
}
console.log(`\nwitness-scale (node ${process.version}; ${cpus()[0]?.model} × ${cpus().length}; load average ${f(loadavg()[0]!, 2)}; median of ${REPS}; baseline: the JSON-object replay, same process)`)
console.log('circuit      build s  peak RSS MB  constraints   steps     terms  coeffs   held MB: JSON   packed  ratio    load ms: JSON  packed ratio  replay ms: JSON  packed ratio')
for (const r of rows) console.log(r)
