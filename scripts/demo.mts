/**
 * The main job (`npm run demo`): compile the pool-risk model, prove each pool's risk through the
 * prover network, post it on a local chain, read every feed back. See src/demo/runDemo.ts.
 * `npm run demo -- --serve` keeps everything running afterwards and prints the explorer's URL.
 */
import { runDemo, type DemoResult } from '../src/demo/runDemo.ts'
import { BaseError } from '../src/errors/index.ts'
// @ts-expect-error: a plain .mjs script without types
import { buildNative } from './build-native.mjs'

const verbose = process.argv.includes('--verbose')
const serve = process.argv.includes('--serve')
/** `--backend ezkl`: the same demo on an ezkl (Halo2/KZG) circuit. */
const backendArg = process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] : 'groth16'
if (backendArg !== 'groth16' && backendArg !== 'ezkl') {
  console.error(new BaseError('INPUT_INVALID', 'Unknown demo backend.', { details: `expected --backend groth16 or ezkl, got ${backendArg}` }).message)
  process.exit(2)
}
const backend: 'groth16' | 'ezkl' = backendArg
/** With --serve: seconds between further stress steps + oracle passes (new proved rounds, live in the explorer). */
const everyS = 30
console.log('zkml demo: proved risk scores for yield pools, end to end on this machine\n')
// The demo's workers prove with the native engine: build it once here (a progress line, a few
// minutes the first time; skipped when built; without cargo a warning and the workers use snarkjs).
await buildNative({ ifStale: true })
const started = Date.now()

function reportVault(v: NonNullable<DemoResult['vault']>): void {
  const pct = (a: number[]) => a.map((b) => `${(b / 100).toFixed(1)}%`.padStart(7)).join(' ')
  console.log(`\nProvedAllocationVault ${v.vault} (pool-allocator, ${v.constraints} constraints): allocation of total assets per pool`)
  console.log(`${''.padEnd(8)} ${v.pools.map((p) => p.slice(0, 7).padStart(7)).join(' ')}`)
  for (const r of v.rebalances) {
    console.log(`round ${r.round}: ${r.why}`)
    console.log(`  before ${pct(r.before)}\n  after  ${pct(r.after)}   (rebalance gas ${r.gasUsed.toLocaleString('en-US')}, tx ${r.txHash.slice(0, 10)}…)`)
  }
  console.log('every rebalance above was proved on inputs the vault read from the pools itself, in that block.')
}

function report({ pools, manifest, vault }: DemoResult): void {
  console.log(`\npool-risk circuit (${manifest.backend}): ${manifest.constraints} ${manifest.backend === 'ezkl' ? 'rows' : 'constraints'}, scale 2^${manifest.quantization.scaleBits}, max |error| vs onnxruntime ${manifest.fidelity.maxAbsError.toPrecision(2)}`)
  console.log('\npool            feed (AggregatorV3Interface)                    round  score   grade')
  for (const p of pools)
    console.log(`${p.name.padEnd(15)} ${p.feed}  ${String(p.roundId).padStart(5)}  ${Math.min(100, Math.max(0, p.score)).toFixed(2).padStart(6)}  ${p.grade}`)
  console.log(`\nevery score above was read back from latestRoundData of a feed that only accepts a verified proof.`)
  if (vault) reportVault(vault)
}

try {
  const result = await runDemo({
    log: (l) => console.log(l),
    verbose,
    backend,
    vault: !process.argv.includes('--no-vault'),
    // --serve starts with a short history (3 passes) so the explorer's charts have a shape.
    rounds: serve ? 3 : 1,
    // --serve: report while the stack still runs, then keep it up until Ctrl-C.
    hold: serve
      ? async (live, { advance }) => {
          report(live)
          console.log(`\nexplorer: ${live.stack.explorerUrl}`)
          console.log(`API:      ${live.stack.apiUrl} (write key ${live.stack.apiKey}) · chain: ${live.stack.rpcUrl}`)
          console.log(`everything keeps running; every ${everyS} s the pools' markets move and the oracle proves and posts again. Ctrl-C stops it all.`)
          let stopping = false
          let pass: Promise<void> = Promise.resolve()
          const timer = setInterval(() => {
            pass = pass.then(async () => {
              if (stopping) return
              const out = await advance()
              const posted = out.filter((x) => x.status === 'posted').map((x) => `${x.feed} round ${(x as { round: bigint }).round}`)
              console.log(`  pass: ${posted.length ? `posted ${posted.join(', ')}` : 'no feed moved past its deviation threshold'}`)
            }).catch((e) => console.error(`  pass failed: ${(e as Error).message}`))
          }, everyS * 1000)
          await new Promise<void>((resolve) => {
            process.once('SIGINT', () => resolve())
            process.once('SIGTERM', () => resolve())
          })
          stopping = true
          clearInterval(timer)
          console.log('\nstopping…')
          await pass
        }
      : undefined,
  })
  if (!serve) report(result)
  const total = Object.values(result.timings).reduce((a, b) => a + b, 0)
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s (stages ${(total / 1000).toFixed(1)} s); everything started was stopped.`)
} catch (e) {
  console.error(`\ndemo failed: ${e instanceof BaseError ? e.message : (e as Error).stack}`)
  process.exit(1)
}
