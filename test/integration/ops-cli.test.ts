// "Tell the owner everything at once": a refused model names every unsupported op with counts;
// `zkml inspect` lists every node; `zkml ops --json` lists what is supported.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import { inspectModel } from '../../src/compiler/inspectModel.ts'
import { buildOnnxModel, OP_CATALOG, parseOnnx } from '../../src/compiler/onnx/index.ts'
import { BaseError } from '../../src/errors/index.ts'

const i64 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data), int64: true })

/** A model with ops the R1CS backend still refuses (NonMaxSuppression twice, Det once) between supported ones. */
function messyModel(): Uint8Array {
  const bytes = buildOnnxModel({
    name: 'messy', inputs: [{ name: 'x', shape: [1, 2, 4] }], outputs: [{ name: 'y', shape: [1, 8] }],
    initializers: { W: { dims: [1, 12, 4], data: new Float64Array(48) }, R: { dims: [1, 12, 3], data: new Float64Array(36) }, sh: i64([1, -1]) },
    nodes: [
      { name: 'sm1', opType: 'NonMaxSuppression', inputs: ['x'], outputs: ['a'] },
      { name: 'lstm', opType: 'Det', inputs: ['a'], outputs: ['h'] },
      { name: 'flat', opType: 'Reshape', inputs: ['h', 'sh'], outputs: ['f'] },
      { name: 'sm2', opType: 'NonMaxSuppression', inputs: ['f'], outputs: ['y'] },
    ],
  })
  return bytes
}

const torchFlatten = buildOnnxModel({
  name: 'torch-flatten', inputs: [{ name: 'x', shape: [1, 2, 3] }], outputs: [{ name: 'y', shape: [1, 2] }],
  initializers: { W: { dims: [6, 2], data: Float64Array.from({ length: 12 }, (_, i) => i / 10 - 0.5) }, zero: i64([0], []), m1: i64([-1]), ax: i64([0]) },
  nodes: [
    { name: 'shape', opType: 'Shape', inputs: ['x'], outputs: ['s'] },
    { name: 'gather', opType: 'Gather', inputs: ['s', 'zero'], outputs: ['b'] },
    { name: 'unsq', opType: 'Unsqueeze', inputs: ['b', 'ax'], outputs: ['b1'] },
    { name: 'cat', opType: 'Concat', inputs: ['b1', 'm1'], outputs: ['ns'], attributes: { axis: 0 } },
    { name: 'reshape', opType: 'Reshape', inputs: ['x', 'ns'], outputs: ['f'] },
    { name: 'fc', opType: 'MatMul', inputs: ['f', 'W'], outputs: ['z'] },
    { name: 'act', opType: 'Relu', inputs: ['z'], outputs: ['y'] },
  ],
})

describe('every unsupported op at once', () => {
  test('a refused compile names every unsupported op with counts and nodes', () => {
    assert.throws(() => parseOnnx(messyModel()), (e: unknown) => {
      assert.ok(e instanceof BaseError && e.code === 'ONNX_UNSUPPORTED_OP')
      assert.match(e.message, /2 unsupported ops in 3 nodes: NonMaxSuppression ×2 \("sm1", "sm2"\), Det ×1 \("lstm"\)/)
      assert.deepEqual(e.meta?.ops, { NonMaxSuppression: 2, Det: 1 })
      return true
    })
  })

  test('inspectModel lists every node with its status, and the counts', () => {
    const r = inspectModel(messyModel())
    assert.deepEqual(r.nodes.map((n) => [n.name, n.status]), [['sm1', 'unsupported'], ['lstm', 'unsupported'], ['flat', 'supported'], ['sm2', 'unsupported']])
    assert.deepEqual(r.unsupported, { NonMaxSuppression: 2, Det: 1 })
    assert.equal(r.total, undefined)
  })

  test('inspectModel on a supported export: folded nodes cost 0, per-node counts add up to the circuit', () => {
    const r = inspectModel(torchFlatten)
    assert.deepEqual(r.nodes.map((n) => n.status), ['folded', 'folded', 'folded', 'folded', 'supported', 'supported', 'supported'])
    const params = { scaleBits: 8, activationBits: 24, sigmoid: 'proved' as const }
    const real = buildModelCircuit(parseOnnx(torchFlatten), params).circuit.r1cs.constraints.length
    assert.equal(r.total, real)
    assert.equal(r.nodes.reduce((a, n) => a + (n.constraints ?? 0), 0) + r.overhead!, real)
    assert.equal(r.nodes.find((n) => n.name === 'fc')!.constraints, 2 * (8 + 24 + 1))
    assert.equal(r.nodes.find((n) => n.name === 'act')!.constraints, 2)
  })
})

describe('CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkml-ops-'))
  const zkml = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' })

  test('zkml ops --json lists every supported op with attributes, dtypes and costs', () => {
    const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'ops', '--json'], { encoding: 'utf8' }))
    assert.deepEqual(Object.keys(out.ops), Object.keys(OP_CATALOG))
    assert.ok(out.ops.MaxPool.attributes.includes('ceil_mode'))
    assert.ok(out.ops.Where.dtypes.includes('bool'))
    assert.equal(out.ops.Shape.onConstants, true)
  })

  test('zkml inspect: exit 1 and every unsupported op for a refused model; a table for a supported one', () => {
    writeFileSync(join(dir, 'messy.onnx'), messyModel())
    writeFileSync(join(dir, 'ok.onnx'), torchFlatten)
    const bad = zkml('inspect', join(dir, 'messy.onnx'))
    assert.equal(bad.status, 1)
    assert.match(bad.stdout, /not compilable: NonMaxSuppression ×2, Det ×1/)
    const ok = zkml('inspect', join(dir, 'ok.onnx'))
    assert.equal(ok.status, 0, ok.stderr)
    assert.match(ok.stdout, /shape\s+Shape\s+folded\s+0/)
    assert.match(ok.stdout, /total \d+ constraints/)
  })
})
