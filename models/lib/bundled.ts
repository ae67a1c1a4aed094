import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A model shipped in models/: its ONNX bytes and the calibration samples it compiles with. */
export type BundledModel = { name: string; onnx: Uint8Array; samples: number[][] }

const modelsDir = fileURLToPath(new URL('../', import.meta.url))

/**
 * Bundled models whose Groth16 setup is beyond the test suite's time budget, with why. The suite
 * checks their circuits without a setup (witness, R1CS, reference, onnxruntime: test/unit/models.test.ts);
 * `npx tsx bench/compile-prove.ts` compiles, proves and verifies them (Groth16), and
 * test/integration/prove-large-models.test.ts proves lstm-forecast from a test-only dev ptau with the
 * native test-only setup.
 */
export const PROVED_IN_BENCH: Readonly<Record<string, string>> = {
  'lstm-forecast': 'LSTM unrolled over 12 steps: 20,978 constraints, whose Groth16 setup alone took about 40 s of CPU at 16,946',
}

/**
 * Every model in models/ that has both `model.onnx` and `samples.json`, by name, smallest ONNX
 * file first (so `[0]` is the cheapest to compile, which tests use). `benchOnly: true` lists the
 * PROVED_IN_BENCH ones instead (left out otherwise).
 *
 * @example
 * ```ts
 * import { bundledModels } from './models/lib/bundled.ts'
 * for (const m of bundledModels()) console.log(m.name, m.samples.length)
 * ```
 */
export function bundledModels(o: { benchOnly?: boolean } = {}): BundledModel[] {
  return readdirSync(modelsDir)
    .filter((m) => existsSync(join(modelsDir, m, 'model.onnx')) && existsSync(join(modelsDir, m, 'samples.json')))
    .filter((m) => (m in PROVED_IN_BENCH) === !!o.benchOnly)
    .sort((a, b) => statSync(join(modelsDir, a, 'model.onnx')).size - statSync(join(modelsDir, b, 'model.onnx')).size || a.localeCompare(b))
    .map((name) => ({
      name,
      onnx: new Uint8Array(readFileSync(join(modelsDir, name, 'model.onnx'))),
      samples: JSON.parse(readFileSync(join(modelsDir, name, 'samples.json'), 'utf8')) as number[][],
    }))
}
