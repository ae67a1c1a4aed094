import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BaseError } from '../../errors/index.ts'
import { DEFAULT_PROFILE } from '../../market/loadHardwareProfile.ts'

const usage = `usage: zkml quote <circuit-dir|manifest.json> [options]

  --profile <name|file.json>   hardware profile (default ${DEFAULT_PROFILE}, measured by bench/market.ts)
  --cost-per-second-wei <n>    what a second of that machine costs (default 1000000000000)
  --margin <x>                 maxPrice = minPrice × margin (default 3)
  --safety <x>                 lock timeout = estimate × safety + overhead (default 4)
  --engine <native|cuda|snarkjs>  the prover's Groth16 engine, as workers advertise it (default snarkjs;
                               native uses the profile's native fit, bench/native-profile.ts)
  --json                       print the quote as JSON`

/**
 * `zkml quote out/pool-risk` prints the estimated proving time and memory, the auction's price range,
 * ramp, lock timeout and deadline for one proof.
 *
 * @example
 * ```sh
 * npx zkml quote out/pool-risk --json
 * ```
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      profile: { type: 'string' },
      'cost-per-second-wei': { type: 'string' },
      margin: { type: 'string' },
      safety: { type: 'string' },
      engine: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(usage)
    return 0
  }
  // After --help: the market's modules pull in viem.
  const { parseManifest } = await import('../../compiler/manifest.ts')
  const { loadHardwareProfile, quote, quoteToJson } = await import('../../market/index.ts')
  const target = positionals[0]
  if (!target)
    throw new BaseError('MARKET_QUOTE_INVALID', 'No circuit given.', { details: `expected a circuit directory or manifest.json path, got none\n${usage}` })
  const path = existsSync(target) && statSync(target).isDirectory() ? join(target, 'manifest.json') : target
  if (!existsSync(path))
    throw new BaseError('MARKET_CIRCUIT_NOT_FOUND', `No circuit manifest at ${path}.`, { details: `expected a compiled circuit directory or its manifest.json, got ${target}` })
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new BaseError('MANIFEST_INVALID', `Circuit manifest ${path} is not JSON.`, { details: (e as Error).message, cause: e })
  }
  const manifest = parseManifest(json)
  const num = (k: 'margin' | 'safety') => {
    const v = values[k]
    if (v === undefined) return undefined
    const x = Number(v)
    if (!Number.isFinite(x)) throw new BaseError('MARKET_QUOTE_INVALID', `--${k} is not a number.`, { details: `expected a number, got ${v}` })
    return x
  }
  let cost: bigint | undefined
  if (values['cost-per-second-wei'] !== undefined) {
    if (!/^\d+$/.test(values['cost-per-second-wei']))
      throw new BaseError('MARKET_QUOTE_INVALID', '--cost-per-second-wei is not an integer.', { details: `expected a decimal integer of wei, got ${values['cost-per-second-wei']}` })
    cost = BigInt(values['cost-per-second-wei'])
  }
  const profile = loadHardwareProfile(values.profile)
  const engine = values.engine
  if (engine !== undefined && engine !== 'native' && engine !== 'snarkjs' && engine !== 'cuda')
    throw new BaseError('MARKET_QUOTE_INVALID', '--engine is not a proving engine.', { details: `expected native, cuda or snarkjs, got ${engine.slice(0, 40)}` })
  const q = quote(manifest, profile, { costPerSecondWei: cost, margin: num('margin'), safetyFactor: num('safety'), engines: engine ? { groth16: engine } : undefined })
  if (values.json) {
    console.log(JSON.stringify(quoteToJson(q), null, 2))
    return 0
  }
  const e = q.estimate
  console.log(`${manifest.name} (${manifest.backend}, ${manifest.constraints} constraints) on profile ${profile.name} (${profile.machine.cpuModel} × ${profile.machine.cores}), ${e.engine} fit`)
  console.log(`  estimated proving time  ${e.seconds.toFixed(2)} s (fit within ±${(100 * e.maxRelError).toFixed(0)}% on its points)`)
  console.log(`  estimated peak memory   ${(e.bytes / 2 ** 20).toFixed(0)} MiB${e.fitsMemory ? '' : '  (more than the profiled machine has)'}`)
  console.log(`  price                   ${q.minPrice} → ${q.maxPrice} wei over a ${q.rampLength} s ramp`)
  console.log(`  lock timeout            ${q.lockTimeout} s after the ramp; deadline ${q.timeout} s after the ramp starts`)
  console.log(`  prover collateral       ${q.collateral} wei`)
  return 0
}
