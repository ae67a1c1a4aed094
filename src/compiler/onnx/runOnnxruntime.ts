import * as ort from 'onnxruntime-node'
import { BaseError } from '../../errors/index.ts'

/**
 * Runs a model in onnxruntime-node (CPU), the float32 reference the circuit's fidelity is measured against.
 * Sessions are cached per model bytes: calibration runs the same model on every sample.
 *
 * @example
 * ```ts
 * const out = await runOnnxruntime(bytes, { input: { data: Float32Array.from(x), dims: [1, 12] } })
 * ```
 */
export async function runOnnxruntime(
  modelBytes: Uint8Array,
  inputs: Record<string, { data: Float32Array; dims: number[]; type?: OrtInputType }>,
): Promise<Record<string, Float32Array>> {
  let session = sessions.get(modelBytes)
  if (!session) {
    session = ort.InferenceSession.create(modelBytes, { executionProviders: ['cpu'], intraOpNumThreads: 1 })
    sessions.set(modelBytes, session)
  }
  try {
    const s = await session
    const feeds: Record<string, ort.Tensor> = {}
    for (const [name, { data, dims, type }] of Object.entries(inputs)) feeds[name] = ortTensor(type ?? 'float32', data, dims)
    const res = await s.run(feeds)
    // int64 (ArgMax) and bool (comparison) outputs come back as numbers like every other output.
    return Object.fromEntries(Object.entries(res).map(([k, t]) => [k, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number | bigint>, Number)]))
  } catch (cause) {
    // onnxruntime's errors carry no code; whatever parseOnnx did not already refuse ends here.
    sessions.delete(modelBytes)
    throw new BaseError('ONNX_RUNTIME_FAILED', 'onnxruntime-node could not run the model.', {
      details: `expected the model to run on inputs ${Object.entries(inputs).map(([n, v]) => `${n}: ${v.type ?? 'float32'}[${v.dims}]`).join(', ')}, got: ${String((cause as Error)?.message ?? cause).split('\n')[0]}`,
      cause,
    })
  }
}

/** The element type onnxruntime is fed for an input: the model's declared type. */
export type OrtInputType = 'float32' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool'

/** Values given as floats, converted to the tensor type the model declares. */
function ortTensor(type: OrtInputType, data: Float32Array, dims: number[]): ort.Tensor {
  switch (type) {
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(data), dims)
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(data, (x) => BigInt(Math.trunc(x))), dims)
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(data, Math.trunc), dims)
    case 'int8':
      return new ort.Tensor('int8', Int8Array.from(data, Math.trunc), dims)
    case 'uint8':
      return new ort.Tensor('uint8', Uint8Array.from(data, Math.trunc), dims)
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(data, (x) => (x ? 1 : 0)), dims)
    default:
      return new ort.Tensor('float32', data, dims)
  }
}

const sessions = new WeakMap<Uint8Array, Promise<ort.InferenceSession>>()
