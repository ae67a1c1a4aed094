import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A model shipped in models/: its ONNX bytes and the calibration samples it compiles with. */
export type BundledModel = { name: string; onnx: Uint8Array; samples: number[][] }

const modelsDir = fileURLToPath(new URL('../', import.meta.url))

/**
 * Every model in models/ that has both `model.onnx` and `samples.json`, by name, smallest ONNX
 * file first (so `[0]` is the cheapest to compile, which tests use).
 *
 * @example
 * ```ts
 * import { bundledModels } from './models/lib/bundled.ts'
 * for (const m of bundledModels()) console.log(m.name, m.samples.length)
 * ```
 */
export function bundledModels(): BundledModel[] {
  return readdirSync(modelsDir)
    .filter((m) => existsSync(join(modelsDir, m, 'model.onnx')) && existsSync(join(modelsDir, m, 'samples.json')))
    .sort((a, b) => statSync(join(modelsDir, a, 'model.onnx')).size - statSync(join(modelsDir, b, 'model.onnx')).size || a.localeCompare(b))
    .map((name) => ({
      name,
      onnx: new Uint8Array(readFileSync(join(modelsDir, name, 'model.onnx'))),
      samples: JSON.parse(readFileSync(join(modelsDir, name, 'samples.json'), 'utf8')) as number[][],
    }))
}
