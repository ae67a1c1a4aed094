import { test } from 'node:test'
import assert from 'node:assert/strict'
import onnxProto from 'onnx-proto'
import { buildOnnxModel, parseOnnx, runOnnxruntime } from '../../src/compiler/onnx/index.ts'
import { calibrate } from '../../src/compiler/quantize/index.ts'
import { formatCliError } from '../../src/cli/reportError.ts'
import { BaseError } from '../../src/errors/index.ts'

// Issue #11 item 11: the CLI never prints a raw stack trace; each known case gets a code and "expected X, got Y".
// The cases that spawn `zkml` live in test/integration/cli.test.ts (unit tests spawn nothing).
const { onnx } = onnxProto
const isCode = (code: string, re?: RegExp) => (e: unknown) => e instanceof BaseError && e.code === code && (!re || re.test(e.message))
const gemm = (W: number[]) =>
  buildOnnxModel({
    name: 'g', inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'y', shape: [1, 1] }],
    initializers: { W: { dims: [2, 1], data: Float64Array.from(W) }, b: { dims: [1], data: Float64Array.from([0]) } },
    nodes: [{ opType: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['y'] }],
  })
/** The same model with its input re-declared as another element type (buildOnnxModel writes FLOAT only). */
const withInputType = (bytes: Uint8Array, elemType: number) => {
  const m = onnx.ModelProto.decode(bytes)
  m.graph!.input![0]!.type!.tensorType!.elemType = elemType
  return onnx.ModelProto.encode(m).finish()
}
const STACK = /^\s+at .+:\d+:\d+\)?$/m

test('NaN weights are refused at parse as ONNX_NONFINITE_VALUE, not a RangeError from fitsSigned', () => {
  assert.throws(() => parseOnnx(gemm([NaN, 1])), isCode('ONNX_NONFINITE_VALUE', /expected finite numbers, got NaN at index 0/))
  assert.throws(() => parseOnnx(gemm([1, Infinity])), isCode('ONNX_NONFINITE_VALUE', /got Infinity at index 1/))
})

test('a calibration sample of 1e300 is QUANTIZATION_OVERFLOW, not a RangeError from decompose', () => {
  const g = parseOnnx(gemm([0.5, 1]))
  assert.throws(() => calibrate(g, [[1e300, 2], [0.5, -1]]), isCode('QUANTIZATION_OVERFLOW', /expected values representable .* got a largest \|value\| of 1e\+300/))
  // an ordinary sample still calibrates
  assert.ok(calibrate(g, [[1, 2], [0.5, -1]]).params.activationBits < 32)
})

test('a string or complex graph input is ONNX_INPUT_TYPE_UNSUPPORTED; onnxruntime failures are ONNX_RUNTIME_FAILED', async () => {
  const DT = onnx.TensorProto.DataType
  assert.throws(() => parseOnnx(withInputType(gemm([0.5, 1]), DT.STRING)), isCode('ONNX_INPUT_TYPE_UNSUPPORTED', /expected FLOAT, DOUBLE, FLOAT16, INT64, INT32, INT8, UINT8 or BOOL, got STRING/))
  assert.throws(() => parseOnnx(withInputType(gemm([0.5, 1]), DT.COMPLEX64)), isCode('ONNX_INPUT_TYPE_UNSUPPORTED', /got COMPLEX64/))
  // bool and integer inputs parse (exact at scale 0)
  assert.equal(parseOnnx(withInputType(gemm([0.5, 1]), DT.INT64)).inputs[0]!.dtype, 'int')
  // the runtime's own refusal (here: fed float32 where the model declares int64) carries a code too
  await assert.rejects(
    runOnnxruntime(withInputType(gemm([0.5, 1]), DT.INT64), { x: { data: Float32Array.from([1, 2]), dims: [1, 2] } }),
    isCode('ONNX_RUNTIME_FAILED', /expected the model to run on inputs x: float32\[1,2\], got/),
  )
})

test('an unknown error is printed as INTERNAL_ERROR without a stack trace unless --debug', () => {
  const plain = formatCliError(new RangeError('The number NaN cannot be converted to a BigInt'), false)
  assert.match(plain, /Code: INTERNAL_ERROR/)
  assert.match(plain, /expected no error, got RangeError: The number NaN/)
  assert.doesNotMatch(plain, STACK)
  assert.match(formatCliError(new RangeError('x'), true), STACK)
  const coded = formatCliError(new BaseError('INPUT_INVALID', 'Bad.', { details: 'expected a, got b' }), false)
  assert.match(coded, /^zkml: Bad\.\n\nDetails: expected a, got b\nCode: INPUT_INVALID/)
})
