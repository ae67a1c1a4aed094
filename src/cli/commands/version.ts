import { readFileSync } from 'node:fs'

/**
 * @example
 * ```sh
 * npx zkml version
 * ```
 */
export async function run(): Promise<number> {
  const pkg = (p: string) => JSON.parse(readFileSync(new URL(p, import.meta.url), 'utf8')).version as string
  console.log(`zkml ${pkg('../../../package.json')}`)
  for (const dep of ['snarkjs', 'onnxruntime-node', 'solc', 'viem', 'bullmq'])
    console.log(`${dep} ${pkg(`../../../node_modules/${dep}/package.json`)}`)
  return 0
}
