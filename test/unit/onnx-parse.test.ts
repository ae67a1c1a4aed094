import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import onnxProto from 'onnx-proto'
import { buildOnnxModel, evaluateFloat, parseOnnx, runOnnxruntime, SUPPORTED_OPS } from '../../src/compiler/onnx/index.ts'
import { BaseError } from '../../src/errors/index.ts'

const { onnx } = onnxProto
const isCode = (code: string, re?: RegExp) => (e: unknown) => e instanceof BaseError && e.code === code && (!re || re.test(e.message))

const mlp = () =>
  buildOnnxModel({
    name: 'tiny',
    inputs: [{ name: 'x', shape: [1, 3] }],
    outputs: [{ name: 'y', shape: [1, 2] }],
    initializers: {
      W: { dims: [3, 2], data: Float64Array.from([0.5, -1, 0.25, 2, -0.75, 1.5]) },
      b: { dims: [2], data: Float64Array.from([0.1, -0.2]) },
      shape: { dims: [2], data: Float64Array.from([1, -1]), int64: true },
    },
    nodes: [
      { opType: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['h'] },
      { opType: 'Relu', inputs: ['h'], outputs: ['r'] },
      { opType: 'Reshape', inputs: ['r', 'shape'], outputs: ['y'] },
    ],
  })

describe('parseOnnx', () => {
  test('reads inputs, initializers (FLOAT and INT64 rawData), nodes and inferred shapes', () => {
    const g = parseOnnx(mlp())
    assert.deepEqual(g.inputs, [{ name: 'x', shape: [1, 3] }])
    assert.deepEqual(g.outputs, [{ name: 'y', shape: [1, 2] }])
    assert.deepEqual([...g.initializers.get('W')!.data], [0.5, -1, 0.25, 2, -0.75, 1.5])
    assert.deepEqual([...g.initializers.get('shape')!.data], [1, -1])
    assert.deepEqual(g.nodes.map((n) => n.opType), ['Gemm', 'Relu', 'Reshape'])
    assert.deepEqual(g.shapes.get('h'), [1, 2])
    assert.equal(g.opset, 13)
  })

  test('rawData inside a larger buffer at an odd byteOffset decodes right', () => {
    // protobufjs hands out rawData as views into the input buffer: at whatever offset the field sits,
    // usually not 4-aligned, so a naive new Float32Array(raw.buffer) reads the wrong bytes or throws.
    const bytes = mlp()
    const big = Buffer.alloc(bytes.length + 5)
    big.set(bytes, 3)
    const view = big.subarray(3, 3 + bytes.length)
    const decoded = onnx.ModelProto.decode(view)
    const raw = decoded.graph!.initializer!.find((t) => t.name === 'W')!.rawData!
    assert.ok(raw.byteOffset > 0, 'rawData is a view into the larger buffer')
    const g = parseOnnx(view)
    assert.deepEqual([...g.initializers.get('W')!.data], [0.5, -1, 0.25, 2, -0.75, 1.5])
  })

  test('symbolic batch dimensions become 1 and int64 Long dims are read', () => {
    const model = onnx.ModelProto.decode(mlp())
    const dim = model.graph!.initializer![0]!.dims![0]!
    assert.equal(typeof dim, 'object', 'protobufjs decodes int64 as Long here')
    model.graph!.input![0]!.type!.tensorType!.shape!.dim![0] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'batch' })
    const g = parseOnnx(onnx.ModelProto.encode(model).finish())
    assert.deepEqual(g.inputs[0]!.shape, [1, 3])
  })

  test('evaluateFloat matches onnxruntime-node', async () => {
    const bytes = mlp()
    const g = parseOnnx(bytes)
    for (const x of [[1, 2, 3], [-1, 0.5, 4], [0, 0, 0]]) {
      const ours = evaluateFloat(g, { x: Float64Array.from(x) }).get('y')!.data
      const ort = (await runOnnxruntime(bytes, { x: { data: Float32Array.from(x), dims: [1, 3] } })).y!
      ours.forEach((v, i) => assert.ok(Math.abs(v - ort[i]!) < 1e-5, `${v} vs ${ort[i]}`))
    }
  })
})

describe('parseOnnx errors say what was expected and what came', () => {
  test('malformed protobuf and truncated files', () => {
    assert.throws(() => parseOnnx(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])), isCode('ONNX_MALFORMED', /expected a protobuf-encoded onnx.ModelProto/))
    const bytes = mlp()
    assert.throws(() => parseOnnx(bytes.subarray(0, bytes.length - 20)), isCode('ONNX_MALFORMED'))
    assert.throws(() => parseOnnx(onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8 })).finish()), isCode('ONNX_MALFORMED', /no graph/))
  })

  test('an unsupported op names the node, the op and the supported list', () => {
    const bytes = buildOnnxModel({
      name: 'sm', inputs: [{ name: 'x', shape: [1, 3] }], outputs: [{ name: 'y', shape: [1, 3] }], initializers: {},
      nodes: [{ name: 'probs', opType: 'NonMaxSuppression', inputs: ['x'], outputs: ['y'] }],
    })
    assert.throws(() => parseOnnx(bytes), (e: unknown) =>
      isCode('ONNX_UNSUPPORTED_OP')(e) && /"NonMaxSuppression" in node "probs"/.test((e as Error).message) && (e as Error).message.includes(SUPPORTED_OPS.join(', ')))
  })

  test('a shape mismatch names the node with expected and actual shapes', () => {
    const bytes = buildOnnxModel({
      name: 'bad', inputs: [{ name: 'x', shape: [1, 3] }], outputs: [{ name: 'y', shape: [1, 2] }],
      initializers: { W: { dims: [4, 2], data: new Float64Array(8) } },
      nodes: [{ name: 'dense', opType: 'Gemm', inputs: ['x', 'W'], outputs: ['y'] }],
    })
    assert.throws(() => parseOnnx(bytes), isCode('ONNX_SHAPE_MISMATCH', /Gemm "dense".*\n\nDetails: expected B with 3 rows to match A \[1,3\], got B \[4,2\]/))
  })

  test('a node reading an undefined tensor', () => {
    const bytes = buildOnnxModel({
      name: 'bad', inputs: [{ name: 'x', shape: [1, 3] }], outputs: [{ name: 'y', shape: [1, 3] }], initializers: {},
      nodes: [{ name: 'r', opType: 'Add', inputs: ['x', 'ghost'], outputs: ['y'] }],
    })
    assert.throws(() => parseOnnx(bytes), isCode('ONNX_MISSING_TENSOR', /expected "ghost"/))
  })

  test('unsupported attributes: a Conv auto_pad outside the spec, a Pad mode ONNX does not have', () => {
    const bytes = buildOnnxModel({
      name: 'bad', inputs: [{ name: 'x', shape: [1, 1, 5, 5] }], outputs: [{ name: 'y', shape: [1, 1, 1, 1] }],
      initializers: { K: { dims: [1, 1, 3, 3], data: new Float64Array(9) } },
      nodes: [{ name: 'c', opType: 'Conv', inputs: ['x', 'K'], outputs: ['y'], attributes: { dilations: [2, 2], auto_pad: 'MIRROR' } }],
    })
    assert.throws(() => parseOnnx(bytes), isCode('ONNX_UNSUPPORTED_ATTRIBUTE', /auto_pad[\s\S]*expected NOTSET, SAME_UPPER, SAME_LOWER or VALID, got MIRROR/))
    const pad = buildOnnxModel({
      name: 'bad', inputs: [{ name: 'x', shape: [1, 3] }], outputs: [{ name: 'y', shape: [1, 5] }], initializers: { p: { dims: [4], data: Float64Array.from([0, 1, 0, 1]), int64: true } },
      nodes: [{ name: 'p', opType: 'Pad', inputs: ['x', 'p'], outputs: ['y'], attributes: { mode: 'symmetric' } }],
    })
    assert.throws(() => parseOnnx(pad), isCode('ONNX_UNSUPPORTED_ATTRIBUTE', /mode "symmetric"[\s\S]*expected mode constant, reflect, edge or wrap/))
  })
})
