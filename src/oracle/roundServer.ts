import Fastify, { type FastifyInstance } from 'fastify'

/** A feed's latest posted round as the round API serves it (what the Functions source reads). */
export type ProvedRoundView = {
  feedId: string
  feed: `0x${string}`
  round: string
  subject: string
  answer: string
  decimals: number
  modelVersion: number
  /** The proof bytes exactly as posted to the feed (IZkmlVerifier encoding). */
  proof: `0x${string}`
  publicSignals: string[]
  txHash: `0x${string}`
}

/**
 * The oracle's read-only round API: `GET /feeds/:id/latest` → ProvedRoundView, 404 with a stable code
 * when the feed has no round yet. Everything served is also checkable on-chain (the feed stores the
 * sha256 commitment of proof and signals per round).
 *
 * @example
 * ```ts
 * import { createRoundServer } from './src/oracle/index.ts'
 * const app = createRoundServer((id) => oracle.latestProved(id))
 * await app.listen({ host: '127.0.0.1', port: 8090 })
 * ```
 */
export function createRoundServer(latest: (feedId: string) => ProvedRoundView | undefined): FastifyInstance {
  const app = Fastify({ logger: false })
  app.get<{ Params: { id: string } }>('/feeds/:id/latest', async (req, reply) => {
    const r = latest(req.params.id)
    if (!r) return reply.code(404).send({ code: 'ROUND_NOT_FOUND', message: `No proved round for feed ${req.params.id} yet.` })
    return r
  })
  return app
}
