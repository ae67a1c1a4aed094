// Tensor plumbing: every op rewires values and costs no constraints; each is checked against
// onnxruntime on a tiny model, and one model chaining them all is proved with Groth16.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import { parseOnnx, buildOnnxModel, type OnnxModelSpec } from '../../src/compiler/onnx/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { conform, rand, rng } from './ops-harness.ts'

after(terminateSnark)

const i64 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data), int64: true })
const f32 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data) })
const one = (opType: string, x: number[], y: number[], extra: Partial<OnnxModelSpec['nodes'][0]> = {}, inits: OnnxModelSpec['initializers'] = {}, opset = 13): OnnxModelSpec => ({
  name: opType, opset,
  inputs: [{ name: 'x', shape: x }], outputs: [{ name: 'y', shape: y }], initializers: inits,
  nodes: [{ opType, inputs: ['x', ...(extra.inputs ?? [])], outputs: ['y'], ...(extra.attributes ? { attributes: extra.attributes } : {}) }],
})

/** Each case: a model with one plumbing op. Constraints must be exactly the inputs' range checks + outputs + context. */
const cases: [string, OnnxModelSpec][] = [
  ['Transpose (perm)', one('Transpose', [1, 2, 3], [3, 1, 2], { attributes: { perm: [2, 0, 1] } })],
  ['Transpose (default: reversed)', one('Transpose', [2, 3], [3, 2])],
  ['Slice: negative start, int64-max end, step 2, axes as input', one('Slice', [1, 7], [1, 3], { inputs: ['st', 'en', 'ax', 'sp'] }, { st: i64([-6]), en: i64([2 ** 63]), ax: i64([1]), sp: i64([2]) })],
  ['Slice: negative step', one('Slice', [1, 5], [1, 4], { inputs: ['st', 'en', 'ax', 'sp'] }, { st: i64([-1]), en: i64([0]), ax: i64([-1]), sp: i64([-1]) })],
  ['Gather (constant indices, negative, axis 1)', one('Gather', [2, 4], [2, 3], { inputs: ['idx'], attributes: { axis: 1 } }, { idx: i64([3, -4, 1]) })],
  ['GatherElements', one('GatherElements', [2, 3], [2, 2], { inputs: ['idx'], attributes: { axis: 1 } }, { idx: i64([2, 0, 1, 1], [2, 2]) })],
  ['Squeeze (axes input)', one('Squeeze', [1, 3, 1], [3], { inputs: ['ax'] }, { ax: i64([0, 2]) })],
  ['Unsqueeze (axes input)', one('Unsqueeze', [3], [1, 3, 1], { inputs: ['ax'] }, { ax: i64([0, -1]) })],
  ['Unsqueeze (opset 11 axes attribute)', one('Unsqueeze', [3], [3, 1], { attributes: { axes: [1] } }, {}, 11)],
  ['Expand', one('Expand', [3, 1], [2, 3, 4], { inputs: ['sh'] }, { sh: i64([2, 1, 4]) })],
  ['Tile', one('Tile', [2, 2], [4, 6], { inputs: ['rep'] }, { rep: i64([2, 3]) })],
  ['Pad (constant value input)', one('Pad', [1, 2, 3], [1, 3, 6], { inputs: ['p', 'v'] }, { p: i64([0, 1, 2, 0, 0, 1]), v: f32([0.75], []) })],
  ['Pad (opset 2 attributes)', one('Pad', [2, 2], [4, 3], { attributes: { pads: [1, 0, 1, 1], value: -0.5 } }, {}, 2)],
  ['Reshape with 0 and -1', one('Reshape', [2, 3, 4], [2, 4, 3], { inputs: ['sh'] }, { sh: i64([0, -1, 3]) })],
  ['Flatten axis 2', one('Flatten', [2, 3, 2, 2], [6, 4], { attributes: { axis: 2 } })],
  ['Flatten axis -1', one('Flatten', [2, 3, 4], [6, 4], { attributes: { axis: -1 } })],
  ['Flatten axis 0', one('Flatten', [2, 3], [1, 6], { attributes: { axis: 0 } })],
  ['DepthToSpace DCR', one('DepthToSpace', [1, 8, 2, 2], [1, 2, 4, 4], { attributes: { blocksize: 2 } })],
  ['DepthToSpace CRD', one('DepthToSpace', [1, 8, 2, 2], [1, 2, 4, 4], { attributes: { blocksize: 2, mode: 'CRD' } })],
  ['SpaceToDepth', one('SpaceToDepth', [1, 2, 4, 4], [1, 8, 2, 2], { attributes: { blocksize: 2 } })],
  ['Resize nearest (scales)', one('Resize', [1, 1, 2, 3], [1, 1, 4, 6], { inputs: ['', 'sc'], attributes: { mode: 'nearest' } }, { sc: f32([1, 1, 2, 2]) })],
  ['Resize nearest (sizes, asymmetric floor)', one('Resize', [1, 1, 3, 3], [1, 1, 5, 4], { inputs: ['', '', 'sz'], attributes: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' } }, { sz: i64([1, 1, 5, 4]) })],
  ['Upsample (opset 9)', one('Upsample', [1, 1, 2, 2], [1, 1, 4, 6], { inputs: ['sc'], attributes: { mode: 'nearest' } }, { sc: f32([1, 1, 2, 3]) }, 9)],
]

const params = { scaleBits: 8, activationBits: 16, sigmoid: 'proved' as const }

describe('tensor plumbing ops: zero constraints, exact, onnxruntime-conformant', () => {
  for (const [title, spec] of cases)
    test(title, async () => {
      const { constraints, graph } = await conform(spec)
      const nIn = graph.inputs[0]!.shape.reduce((a, b) => a * b, 1)
      const nOut = graph.outputs[0]!.shape.reduce((a, b) => a * b, 1)
      assert.deepEqual(graph.outputs[0]!.shape, spec.outputs[0]!.shape, 'inferred output shape')
      // every constraint is an input range check, an output binding or a context square: the op itself is free
      assert.equal(buildModelCircuit(graph, params).circuit.r1cs.constraints.length, nIn * 17 + nOut + 2)
      assert.ok(constraints > 0)
    })

  test('Concat of a computed tensor and a constant, and Split (sizes input, three outputs)', async () => {
    const spec: OnnxModelSpec = {
      name: 'concat-split', inputs: [{ name: 'x', shape: [2, 3] }],
      outputs: [{ name: 'a', shape: [2, 1] }, { name: 'b', shape: [2, 2] }, { name: 'c', shape: [2, 2] }],
      initializers: { k: f32([0.25, -1.5], [2, 1]), parts: i64([1, 2, 2]) },
      nodes: [
        { opType: 'Concat', inputs: ['x', 'k', 'x'], outputs: ['cat'], attributes: { axis: 1 } },
        { opType: 'Slice', inputs: ['cat', 'st', 'en', 'ax'], outputs: ['five'] },
        { opType: 'Split', inputs: ['five', 'parts'], outputs: ['a', 'b', 'c'], attributes: { axis: 1 } },
      ],
    }
    spec.initializers.st = i64([0])
    spec.initializers.en = i64([5])
    spec.initializers.ax = i64([1])
    const { graph } = await conform(spec)
    assert.equal(graph.outputs.length, 3)
  })

  test('a chain of plumbing ops compiles, matches onnxruntime and proves with Groth16', async () => {
    const r = rng(5)
    const spec: OnnxModelSpec = {
      name: 'plumbing-chain', inputs: [{ name: 'x', shape: [1, 2, 2, 3] }], outputs: [{ name: 'y', shape: [1, 2] }],
      initializers: { W: rand(r, [16, 2]), p: i64([0, 0, 0, 1, 0, 0, 0, 0]), idx: i64([1, 0]) },
      nodes: [
        { opType: 'Transpose', inputs: ['x'], outputs: ['t'], attributes: { perm: [0, 3, 1, 2] } },
        { opType: 'Pad', inputs: ['t', 'p'], outputs: ['pd'] },
        { opType: 'Gather', inputs: ['pd', 'idx'], outputs: ['g'], attributes: { axis: 2 } },
        { opType: 'Flatten', inputs: ['g'], outputs: ['f'], attributes: { axis: 1 } },
        { opType: 'Slice', inputs: ['f', 'st', 'en', 'ax'], outputs: ['s'] },
        { opType: 'MatMul', inputs: ['s', 'W'], outputs: ['y'] },
      ],
    }
    spec.initializers.st = i64([2])
    spec.initializers.en = i64([18])
    spec.initializers.ax = i64([1])
    await conform(spec, { prove: true })
  })

  test('integer constants (an int64-max Slice bound) do not size the activation range', async () => {
    const { params } = await conform(cases.find(([t]) => t.startsWith('Slice: negative start'))![1])
    assert.ok(params.activationBits < 24, `activation bits ${params.activationBits}`)
  })

  test('non-constant indices are refused with the tensor named', () => {
    const bytes = buildOnnxModel({
      name: 'bad', inputs: [{ name: 'x', shape: [1, 3] }, { name: 'i', shape: [1], dtype: 'int64' }], outputs: [{ name: 'y', shape: [1, 1] }], initializers: {},
      nodes: [{ opType: 'Gather', inputs: ['x', 'i'], outputs: ['y'], attributes: { axis: 1 } }],
    })
    assert.throws(() => buildModelCircuit(parseOnnx(bytes), params), /Gather "gather_0": needs a constant input 1[\s\S]*expected "i"/)
  })
})
