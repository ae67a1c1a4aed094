// The zoo (models/zoo/zoo.ts): realistic export shapes, each compiled, proved with Groth16, and
// matched against onnxruntime on its calibration samples.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { zooModels } from '../../models/zoo/zoo.ts'
import { conform } from './ops-harness.ts'

after(terminateSnark)

describe('zoo: compile, prove, verify, match onnxruntime', () => {
  for (const m of zooModels())
    test(m.name, async () => {
      const { constraints, maxErr, graph } = await conform(m.spec, { data: m.samples, prove: true, tolerance: 0.05 })
      assert.ok(constraints > 0)
      assert.ok(maxErr < 0.05, `${m.name}: max error ${maxErr}`)
      if (m.name === 'torch-mlp') assert.ok(!graph.nodes.some((n) => ['Shape', 'Gather', 'Unsqueeze', 'Concat'].includes(n.opType)), 'the flatten pattern folded')
    })
})
