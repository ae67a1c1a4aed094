import type { Redis } from 'ioredis'
import type { CircuitRegistry, JobStore, ProverQueue } from '../network/index.ts'

/** What every route plugin gets as its options. */
export type ApiContext = {
  redis: Redis
  prefix: string
  registry: CircuitRegistry
  queue: ProverQueue
  jobs: JobStore
  /** Keys admitted on write routes; empty = writes refused. */
  apiKeys: string[]
  /** Largest `POST /circuits` body, bytes (the other routes have smaller limits). */
  circuitBodyLimit: number
  /** Largest streamed artifact (`PUT /artifacts/:hash`), bytes. */
  artifactLimit: number
}

/** Reusable schema bits. */
export const hex32 = { type: 'string', pattern: '^0x[0-9a-f]{64}$', description: 'sha256, 0x + 64 lowercase hex digits' } as const
export const errorRef = { $ref: 'Error#' } as const
export const errorResponses = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorRef]))

declare module 'fastify' {
  // OpenAPI annotations carried on route schemas (openapi.ts reads them; fastify ignores them).
  interface FastifySchema {
    summary?: string
    security?: Array<Record<string, string[]>>
    produces?: string[]
  }
}
