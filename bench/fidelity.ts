/**
 * bench/fidelity: what the compile's per-layer fidelity pass (src/compiler/quantize/layerFidelity.ts)
 * costs, against baselines run in this same process on the same model:
 * - calibration (`calibrate`: 12 candidate scales × every sample, reference + float64), which every
 *   compile already ran before the pass existed;
 * - building the circuit (`buildModelCircuit`), the compile's next stage.
 * Per model: nodes, samples (all / the pass's), median of 3 runs of each (1 for cnn-18), the two ratios, and the
 * tensor with the largest error relative to its range (where the precision goes).
 *
 * Run: npx tsx bench/fidelity.ts [--scale | --only-scale]   (--scale adds bench/scale-models.ts's cnn-18, 443k constraints: minutes)
 * Not a test: it prints numbers, it asserts nothing.
 */
import { readFileSync } from 'node:fs'
import { buildModelCircuit } from '../src/compiler/buildModelCircuit.ts'
import { parseOnnx } from '../src/compiler/onnx/index.ts'
import { calibrate, measureLayerFidelity } from '../src/compiler/quantize/index.ts'
import { bundledModels } from '../models/lib/bundled.ts'
import { scaleCnn } from './scale-models.ts'

type M = { name: string; onnx: Uint8Array; samples: number[][]; scales?: number[] }
const models: M[] = process.argv.includes('--only-scale') ? [scaleCnn('cnn-18', 20, 16, 16)] : [
  ...bundledModels(),
  ...bundledModels({ benchOnly: true }),
  {
    name: 'tiny-transformer',
    onnx: new Uint8Array(readFileSync(new URL('../models/tiny-transformer/model.onnx', import.meta.url))),
    samples: JSON.parse(readFileSync(new URL('../models/tiny-transformer/calibration.json', import.meta.url), 'utf8')) as number[][],
  },
  ...(process.argv.includes('--scale') ? [scaleCnn('cnn-18', 20, 16, 16)] : []),
]

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
function time<T>(f: () => T): [T, number] {
  const t = performance.now()
  const r = f()
  return [r, performance.now() - t]
}

console.log(`${'model'.padEnd(18)} ${'nodes'.padStart(5)} ${'samples'.padStart(8)} ${'calibrate ms'.padStart(12)} ${'circuit ms'.padStart(11)} ${'layers ms'.padStart(10)} ${'layers/cal'.padStart(10)} ${'layers/circ'.padStart(11)}  largest error vs range`)
for (const m of models) {
  const g = parseOnnx(m.onnx)
  const cal: number[] = []
  const circ: number[] = []
  const lay: number[] = []
  let report: ReturnType<typeof measureLayerFidelity> | undefined
  // the scale model once: each calibration of it takes minutes
  for (let i = 0; i < (m.name === 'cnn-18' ? 1 : 3); i++) {
    const [c, tc] = time(() => calibrate(g, m.samples))
    cal.push(tc)
    circ.push(time(() => buildModelCircuit(g, c.params))[1])
    const [r, tl] = time(() => measureLayerFidelity(g, m.samples, c))
    lay.push(tl)
    report = r
  }
  const worst = report!.layers.reduce((a, b) => (b.relError > a.relError ? b : a))
  const [c, l, b] = [median(cal), median(lay), median(circ)]
  console.log(
    `${m.name.padEnd(18)} ${String(g.nodes.length).padStart(5)} ${`${m.samples.length}/${report!.samples.length}`.padStart(8)} ${c.toFixed(0).padStart(12)} ${b.toFixed(0).padStart(11)} ${l.toFixed(0).padStart(10)} ${(l / c).toFixed(3).padStart(10)} ${(l / b).toFixed(3).padStart(11)}  ${worst.op} "${worst.node}" ${(100 * worst.relError).toPrecision(2)}% (tolerance ${(100 * report!.relBudget).toPrecision(2)}%)`,
  )
}
