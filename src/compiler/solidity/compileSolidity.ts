import { createRequire } from 'node:module'
import type { Abi } from 'viem'
import { BaseError } from '../../errors/index.ts'

const require = createRequire(import.meta.url)

/** What solc made of one contract; a run-time compiled ABI is only known as `Abi` (call verifiers through the typed IZkmlVerifier ABI). */
export type CompiledContract = { abi: Abi; bytecode: `0x${string}` }

/**
 * Compiles Solidity sources with solc from npm (the wasm build; no binary download) and returns
 * ABI and creation bytecode for every contract, keyed "File.sol:Name".
 * Optimizer on (200 runs), viaIR off, EVM version paris: anvil's default runs it and so do L2s.
 *
 * @example
 * ```ts
 * import { compileSolidity } from './src/compiler/solidity/compileSolidity.ts'
 * const out = compileSolidity({ 'A.sol': 'pragma solidity ^0.8.0; contract A { function f() external pure returns (uint) { return 1; } }' })
 * console.log(out['A.sol:A'].bytecode.slice(0, 10))
 * ```
 */
export function compileSolidity(
  sources: Record<string, string>,
  options: { optimizerRuns?: number } = {},
): Record<string, CompiledContract> {
  const solc = require('solc') as { compile(input: string, opts?: unknown): string }
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([k, v]) => [k, { content: v }])),
    settings: {
      optimizer: { enabled: true, runs: options.optimizerRuns ?? 200 },
      evmVersion: 'paris',
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0)
    throw new BaseError('SOLIDITY_COMPILE_FAILED', 'Solidity compilation failed.', {
      details: errors.map((e) => e.formattedMessage).join('\n'),
    })
  const result: Record<string, CompiledContract> = {}
  for (const [file, contracts] of Object.entries(output.contracts ?? {}))
    for (const [name, c] of Object.entries(contracts))
      result[`${file}:${name}`] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` }
  return result
}
