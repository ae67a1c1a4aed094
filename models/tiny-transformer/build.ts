/**
 * tiny-transformer: one post-norm transformer encoder block, 2 heads, d_model 16, sequence 8,
 * FFN 16→32→16 with GELU, built as ONNX here (opset 20: LayerNormalization, Gelu). Weights are seeded
 * random (normal, sd 1/√fan_in; LayerNorm γ = 1 + N(0, 0.1), β = N(0, 0.1)), not trained: it exists
 * to exercise attention in circuits (Q·Kᵀ and ·V of two computed tensors, scaling, Softmax,
 * LayerNormalization, Gelu), and its outputs mean nothing.
 *
 *   x [1, 8, 16] → Q, K, V = x·W + b → heads [1, 2, 8, 8] → Q·Kᵀ · 1/√8 → Softmax → ·V → merge heads
 *   → ·Wo + bo → + x → LayerNorm → ·W1 + b1 → Gelu → ·W2 + b2 → + → LayerNorm → y [1, 8, 16]
 *
 * Run: npx tsx models/tiny-transformer/build.ts   Writes model.onnx and calibration.json (16 inputs,
 * N(0, 1)). Named calibration.json, not samples.json, so the bundled-model loops (tests, benches),
 * which key with the bundled 2^15 ptau, leave it alone (it has 111,282 constraints);
 * test/unit/transformer.test.ts matches its witness against onnxruntime and
 * test/integration/prove-large-models.test.ts proves it on a 2^17 dev ptau.
 */
import { writeFileSync } from 'node:fs'
import { buildOnnxModel, type OnnxModelSpec } from '../../src/compiler/onnx/index.ts'
import { rng } from '../lib/random.ts'

export const SEQ = 8
export const D = 16
export const HEADS = 2
export const FFN = 32

/** The block as an ONNX spec (deterministic from the seed). @example buildOnnxModel(transformerSpec()) */
export function transformerSpec(seed = 1701): OnnxModelSpec {
  const r = rng(seed)
  const mat = (rows: number, cols: number) => ({ dims: [rows, cols], data: Float64Array.from({ length: rows * cols }, () => r.normal(0, 1 / Math.sqrt(rows))) })
  const vec = (n: number, mean = 0, sd = 0.1) => ({ dims: [n], data: Float64Array.from({ length: n }, () => r.normal(mean, sd)) })
  const ints = (xs: number[]) => ({ dims: [xs.length], data: Float64Array.from(xs), int64: true })
  const dh = D / HEADS
  const initializers: OnnxModelSpec['initializers'] = {
    Wq: mat(D, D), bq: vec(D), Wk: mat(D, D), bk: vec(D), Wv: mat(D, D), bv: vec(D), Wo: mat(D, D), bo: vec(D),
    g1: vec(D, 1), be1: vec(D), W1: mat(D, FFN), b1: vec(FFN), W2: mat(FFN, D), b2: vec(D), g2: vec(D, 1), be2: vec(D),
    heads: ints([1, SEQ, HEADS, dh]), merged: ints([1, SEQ, D]),
    scale: { dims: [], data: Float64Array.of(1 / Math.sqrt(dh)) },
  }
  const n = (opType: string, inputs: string[], output: string, attributes?: Record<string, number | number[]>) => ({ name: output, opType, inputs, outputs: [output], ...(attributes ? { attributes } : {}) })
  const proj = (w: string, b: string, x: string, out: string) => [n('MatMul', [x, w], `${out}_mm`), n('Add', [`${out}_mm`, b], out)]
  return {
    name: 'tiny-transformer', opset: 20,
    inputs: [{ name: 'x', shape: [1, SEQ, D] }],
    outputs: [{ name: 'y', shape: [1, SEQ, D] }],
    initializers,
    nodes: [
      ...proj('Wq', 'bq', 'x', 'q'), ...proj('Wk', 'bk', 'x', 'k'), ...proj('Wv', 'bv', 'x', 'v'),
      n('Reshape', ['q', 'heads'], 'q4'), n('Transpose', ['q4'], 'qh', { perm: [0, 2, 1, 3] }),
      n('Reshape', ['k', 'heads'], 'k4'), n('Transpose', ['k4'], 'kt', { perm: [0, 2, 3, 1] }),
      n('Reshape', ['v', 'heads'], 'v4'), n('Transpose', ['v4'], 'vh', { perm: [0, 2, 1, 3] }),
      n('MatMul', ['qh', 'kt'], 'scores_raw'), n('Mul', ['scores_raw', 'scale'], 'scores'),
      n('Softmax', ['scores'], 'attn', { axis: -1 }),
      n('MatMul', ['attn', 'vh'], 'ctx_h'), n('Transpose', ['ctx_h'], 'ctx_t', { perm: [0, 2, 1, 3] }), n('Reshape', ['ctx_t', 'merged'], 'ctx'),
      ...proj('Wo', 'bo', 'ctx', 'attn_out'), n('Add', ['x', 'attn_out'], 'res1'),
      { name: 'ln1', opType: 'LayerNormalization', inputs: ['res1', 'g1', 'be1'], outputs: ['n1'], attributes: { axis: -1, epsilon: 1e-5 } },
      ...proj('W1', 'b1', 'n1', 'ff1'), n('Gelu', ['ff1'], 'ff1_act'), ...proj('W2', 'b2', 'ff1_act', 'ff2'),
      n('Add', ['n1', 'ff2'], 'res2'),
      { name: 'ln2', opType: 'LayerNormalization', inputs: ['res2', 'g2', 'be2'], outputs: ['y'], attributes: { axis: -1, epsilon: 1e-5 } },
    ],
  }
}

/** 16 calibration inputs, N(0, 1), flat [1, 8, 16] each. @example calibrationInputs()[0].length // 128 */
export function calibrationInputs(seed = 1702): number[][] {
  const r = rng(seed)
  return Array.from({ length: 16 }, () => Array.from({ length: SEQ * D }, () => Number(r.normal(0, 1).toFixed(4))))
}

async function main() {
  const dir = new URL('.', import.meta.url).pathname
  writeFileSync(`${dir}model.onnx`, buildOnnxModel(transformerSpec()))
  writeFileSync(`${dir}calibration.json`, `${JSON.stringify(calibrationInputs())}\n`)
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) await main()
