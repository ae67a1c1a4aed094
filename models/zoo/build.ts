// Writes the zoo's ONNX files and samples under models/zoo/<name>/ for inspection (`zkml inspect`).
// Run: npx tsx models/zoo/build.ts
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { zooModels } from './zoo.ts'

const dir = fileURLToPath(new URL('./', import.meta.url))
for (const m of zooModels()) {
  mkdirSync(join(dir, 'out', m.name), { recursive: true })
  writeFileSync(join(dir, 'out', m.name, 'model.onnx'), m.onnx)
  writeFileSync(join(dir, 'out', m.name, 'samples.json'), JSON.stringify(m.samples))
  console.log(`${m.name}: ${m.onnx.length} bytes`)
}
