// One graph with every supported op, checked three ways against onnxruntime-node: the float64
// evaluator (index plumbing: conv windows, transposes, broadcasting), and the calibrated circuit's
// own witness (quantized arithmetic), which must land within the calibration's measured error.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import { firstUnsatisfied, runWitnessProgram } from '../../src/compiler/circuit/index.ts'
import { mod, toSigned } from '../../src/compiler/field.ts'
import { buildOnnxModel, evaluateFloat, parseOnnx, runOnnxruntime, SUPPORTED_OPS } from '../../src/compiler/onnx/index.ts'
import { calibrate, dequantize, quantizeInput } from '../../src/compiler/quantize/index.ts'

let seed = 99
const r = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 2
const t = (dims: number[]) => ({ dims, data: Float64Array.from({ length: dims.reduce((a, b) => a * b, 1) }, r) })

const bytes = buildOnnxModel({
  name: 'all-ops',
  inputs: [{ name: 'x', shape: [1, 1, 5, 5] }],
  outputs: [{ name: 'y', shape: [1, 2] }],
  initializers: {
    K: t([3, 1, 3, 3]), kb: t([3]),
    scale: t([1, 3, 1, 1]), shift: t([3, 1, 1]),
    shape: { dims: [2], data: Float64Array.from([12, 1]), int64: true },
    W: t([12, 2]), b: t([2]),
  },
  nodes: [
    { opType: 'Conv', inputs: ['x', 'K', 'kb'], outputs: ['c'], attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 0, 1] } },
    { opType: 'Mul', inputs: ['c', 'scale'], outputs: ['cm'] },
    { opType: 'Sub', inputs: ['cm', 'shift'], outputs: ['cs'] },
    { opType: 'Relu', inputs: ['cs'], outputs: ['cr'] },
    { opType: 'Add', inputs: ['cr', 'cm'], outputs: ['ca'] },
    { opType: 'Reshape', inputs: ['ca', 'shape'], outputs: ['col'] },
    { opType: 'Identity', inputs: ['col'], outputs: ['col2'] },
    { opType: 'Gemm', inputs: ['col2', 'W', 'b'], outputs: ['g'], attributes: { transA: 1, alpha: 0.75, beta: 1.5 } },
    { opType: 'Flatten', inputs: ['g'], outputs: ['gf'], attributes: { axis: 1 } },
    { opType: 'Sigmoid', inputs: ['gf'], outputs: ['y'] },
  ],
})

test('every supported op: float64 evaluator and calibrated circuit agree with onnxruntime-node', async () => {
  const g = parseOnnx(bytes)
  const used = new Set(g.nodes.map((n) => n.opType))
  // Every op this graph leaves out has its conformance tests in test/unit/ops-*.test.ts (MatMul in lowering too).
  const elsewhere = readdirSync('test/unit').filter((f) => /^ops-.*\.test\.ts$|^lowering\.test\.ts$/.test(f)).map((f) => readFileSync(join('test/unit', f), 'utf8')).join('\n')
  assert.deepEqual(SUPPORTED_OPS.filter((op) => !used.has(op) && !elsewhere.includes(`'${op}'`)), [], 'every supported op has a conformance test')
  const samples = Array.from({ length: 12 }, () => Array.from({ length: 25 }, () => r() * 2))
  const { params, candidates } = calibrate(g, samples, { target: 'accuracy' })
  const best = candidates.find((c) => c.scaleBits === params.scaleBits)!
  const { circuit, publicSignals } = buildModelCircuit(g, params)
  for (const s of samples) {
    const ort = Array.from((await runOnnxruntime(bytes, { x: { data: Float32Array.from(s), dims: [1, 1, 5, 5] } })).y!)
    const f64 = Array.from(evaluateFloat(g, { x: Float64Array.from(s) }).get('y')!.data)
    f64.forEach((v, i) => assert.ok(Math.abs(v - ort[i]!) < 1e-5, `float ${v} vs ort ${ort[i]}`))
    const q = quantizeInput(g, s, params.scaleBits).flatMap((x) => x.data.map(mod))
    const w = runWitnessProgram(circuit.program, [...q, 1n, 1n])
    assert.equal(firstUnsatisfied(circuit.r1cs, w), -1)
    circuit.outputWires.forEach((wire, i) => {
      const sig = publicSignals[i] as { scaleBits: number }
      const y = dequantize(toSigned(w[wire]!), sig.scaleBits)
      assert.ok(Math.abs(y - ort[i]!) <= best.maxAbsError + 1e-3, `circuit ${y} vs ort ${ort[i]} (calibrated max error ${best.maxAbsError})`)
    })
  }
})
