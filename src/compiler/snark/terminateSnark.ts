/**
 * Stops the worker threads of ffjavascript's bn128 curve singleton. snarkjs builds the curve on first use
 * and keeps it (and its workers) in `globalThis.curve_bn128`, which keeps a Node process alive after its
 * work is done. Safe to call any time; the next snarkjs call builds a fresh curve.
 *
 * @example
 * ```ts
 * import { prove, terminateSnark } from './src/compiler/snark/index.ts'
 * try { await prove('groth16', zkey, wtns) } finally { await terminateSnark() }
 * ```
 */
export async function terminateSnark(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }
  await g.curve_bn128?.terminate()
}
