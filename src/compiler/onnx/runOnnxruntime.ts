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
  inputs: Record<string, { data: Float32Array; dims: number[] }>,
): Promise<Record<string, Float32Array>> {
  let session = sessions.get(modelBytes)
  if (!session) {
    session = ort.InferenceSession.create(modelBytes, { executionProviders: ['cpu'], intraOpNumThreads: 1 })
    sessions.set(modelBytes, session)
  }
  try {
    const s = await session
    const feeds: Record<string, ort.Tensor> = {}
    for (const [name, { data, dims }] of Object.entries(inputs)) feeds[name] = new ort.Tensor('float32', data, dims)
    const res = await s.run(feeds)
    return Object.fromEntries(Object.entries(res).map(([k, t]) => [k, t.data as Float32Array]))
  } catch (cause) {
    // onnxruntime's errors carry no code; whatever parseOnnx did not already refuse ends here.
    sessions.delete(modelBytes)
    throw new BaseError('ONNX_RUNTIME_FAILED', 'onnxruntime-node could not run the model.', {
      details: `expected the model to run on float32 inputs ${Object.entries(inputs).map(([n, v]) => `${n}[${v.dims}]`).join(', ')}, got: ${String((cause as Error)?.message ?? cause).split('\n')[0]}`,
      cause,
    })
  }
}

const sessions = new WeakMap<Uint8Array, Promise<ort.InferenceSession>>()
