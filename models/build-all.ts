/**
 * Rebuilds every bundled model from its seeds: npx tsx models/build-all.ts
 * Deterministic: running it twice writes identical bytes (a test holds that for pool-risk).
 */
import { execFileSync } from 'node:child_process'

for (const script of ['pool-risk/train.ts', 'tiny-conv/build.ts', 'risk-sigmoid/build.ts', 'pool-allocator/train.ts', 'lstm-forecast/build.ts']) {
  const path = new URL(script, import.meta.url).pathname
  console.log(`== ${script}`)
  execFileSync(process.execPath, ['--import', 'tsx', path], { stdio: 'inherit' })
}
