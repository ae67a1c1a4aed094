import { BaseError } from '../../errors/index.ts'
import { cliArgs, required } from '../args.ts'

const usage = 'zkml dev-ptau --power N [--out FILE] [--force]   (TESTS ONLY: an INSECURE prepared ptau from a public tau)'

/**
 * TESTS AND BENCHMARKS ONLY: writes (or finds in `.cache/ptau/`) `insecure-dev-pot<N>.ptau`, a prepared
 * powers of tau from a public tau (src/dev/devPtau.ts), and prints its path for `zkml compile --ptau`.
 *
 * @example
 * ```sh
 * npx zkml dev-ptau --power 18
 * npx zkml compile model.onnx --calibrate s.json --ptau .cache/ptau/insecure-dev-pot18.ptau --out out/m
 * ```
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = cliArgs(argv, { power: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean', default: false } }, usage)
  if (values.help) return console.log(usage), 0
  const power = Number(required(values.power, '--power N', usage))
  const { makeDevPtau } = await import('../../dev/devPtau.ts')
  const { loadNativeAddon } = await import('../../prover/engines/native/index.ts')
  const { terminateSnark } = await import('../../compiler/snark/index.ts')
  const { addon, reason } = await loadNativeAddon({ build: true })
  if (!addon) throw new BaseError('PTAU_INVALID', 'zkml dev-ptau needs the native addon.', { details: `expected native/zkml-native.node, got none: ${reason}` })
  process.stderr.write(`zkml dev-ptau: power ${power}: INSECURE, its tau is public; for tests and benchmarks only\n`)
  try {
    const r = await makeDevPtau({ power, addon, ...(values.out ? { out: values.out } : {}), force: values.force })
    const t = r.timings
    process.stderr.write(
      r.cached
        ? `  cached (${(r.bytes / 2 ** 20).toFixed(1)} MiB)\n`
        : `  written in ${(r.ms / 1000).toFixed(1)} s (powers ${(t!.powersMs / 1000).toFixed(1)} s, lagrange ${(t!.lagrangeMs / 1000).toFixed(1)} s), ${(r.bytes / 2 ** 20).toFixed(1)} MiB\n`,
    )
    console.log(r.path)
  } finally {
    await terminateSnark()
  }
  return 0
}
