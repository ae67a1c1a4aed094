import type { FastifyInstance } from 'fastify'
import { errorResponses } from '../api/context.ts'
import { FeedReader } from './feedReader.ts'
import type { FeedsSource } from './feedsConfig.ts'
import { explorerHtml } from './page.ts'
import type { VaultJobSource } from './vaultProofJobs.ts'
import { vaultRoutes } from './vaultRoutes.ts'

const roundSchema = {
  type: 'object',
  properties: { roundId: { type: 'string' }, answer: { type: 'string' }, value: { type: 'number' }, updatedAt: { type: 'integer' } },
} as const

/**
 * The explorer: `GET /explorer` (one self-contained HTML page polling the API; `GET /` redirects there), `GET /feeds`
 * (latest round, staleness against chain time and a short history per configured feed) and the vault
 * routes (`GET /explorer/vaults`, `GET /explorer/vaults/:address`: vaultRoutes.ts).
 * Without a feed source, `/feeds` answers `configured: false` and the page says so; without `jobs`,
 * rebalances are shown without their proof jobs.
 *
 * @example
 * ```ts
 * import { explorerRoutes, feedsFromFile } from './src/explorer/index.ts'
 * await app.register(explorerRoutes, { feeds: feedsFromFile('feeds.json') })
 * // open http://127.0.0.1:8080/explorer
 * ```
 */
export async function explorerRoutes(app: FastifyInstance, opts: { feeds?: FeedsSource | undefined; jobs?: VaultJobSource | undefined }): Promise<void> {
  let reader: FeedReader | undefined
  await app.register(vaultRoutes, { feeds: opts.feeds, jobs: opts.jobs })

  app.get<{ Querystring: { history?: string } }>('/feeds', {
    schema: {
      summary: 'Configured feeds: latest round, staleness in seconds of chain time, grade, and the last rounds (oldest first)',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { history: { type: 'string', pattern: '^([1-9]|[1-4][0-9]|50)$', description: 'rounds of history per feed, 1–50 (default 20)' } },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            configured: { type: 'boolean' },
            rpcUrl: { type: 'string' },
            chainTime: { type: 'integer' },
            blockNumber: { type: 'string' },
            error: { type: 'string', description: 'the chain could not be read at all' },
            feeds: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  label: { type: 'string' }, address: { type: 'string' }, description: { type: 'string' }, decimals: { type: 'integer' },
                  heartbeat: { type: 'integer' }, subject: { type: 'string' }, latest: roundSchema, stalenessS: { type: 'integer' }, stale: { type: 'boolean' },
                  grade: { type: 'string' }, history: { type: 'array', items: roundSchema }, error: { type: 'string' },
                },
              },
            },
          },
        },
        ...errorResponses(400, 500),
      },
    },
  }, async (req) => {
    const config = await opts.feeds?.()
    if (!config) return { configured: false, feeds: [] }
    if (reader?.rpcUrl !== config.rpcUrl) reader = new FeedReader(config.rpcUrl)
    try {
      return { configured: true, rpcUrl: config.rpcUrl, ...(await reader.read(config.feeds, Number(req.query.history ?? 20))) }
    } catch (e) {
      // The chain is down: say so in the answer; the rest of the explorer keeps working.
      const msg = ((e as { shortMessage?: string }).shortMessage ?? (e as Error).message).split('\n')[0]!
      return { configured: true, rpcUrl: config.rpcUrl, error: msg, feeds: config.feeds.map((f) => ({ label: f.label, address: f.address, history: [], error: msg })) }
    }
  })

  // A browser pointed at the API's root lands on the page rather than on a 404.
  app.get('/', { schema: { summary: 'Redirects to /explorer', response: { 302: { type: 'null', description: 'to /explorer' } } } }, async (_req, reply) => reply.redirect('/explorer'))

  app.get('/explorer', {
    schema: {
      summary: 'The network explorer: circuits, live jobs, workers, feeds and proofs in one HTML page',
      produces: ['text/html'],
      response: { 200: { type: 'string', description: 'text/html' } },
    },
  }, async (_req, reply) => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache')
    return explorerHtml()
  })
}
