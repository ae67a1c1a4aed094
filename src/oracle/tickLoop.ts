/**
 * Runs `tick` every `intervalMs` until stopped, never two at once: the next tick is scheduled only
 * after the last one settled, so a slow chain or prover stretches the period instead of piling up
 * rounds. The feed oracle and the vault keeper both run on one.
 *
 * @example
 * ```ts
 * import { TickLoop } from './src/oracle/tickLoop.ts'
 * const loop = new TickLoop(() => oracle.tick())
 * loop.start(60_000)
 * process.on('SIGTERM', () => void loop.stop()) // waits for the tick in flight
 * ```
 */
export class TickLoop {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined

  constructor(private readonly tick: () => Promise<unknown>) {}

  /** Ticks at once, then `intervalMs` after each tick settles. */
  start(intervalMs: number): void {
    const loop = async () => {
      this.running = this.tick()
      await this.running
      if (this.timer !== undefined) this.timer = setTimeout(loop, intervalMs)
    }
    this.timer = setTimeout(loop, 0)
  }

  /** Stops scheduling and resolves once the tick in flight (if any) has settled. */
  async stop(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.running
  }
}
