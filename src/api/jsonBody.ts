import { BaseError } from '../errors/index.ts'

/** How deep a request body's arrays and objects may nest. Real bodies need about 5. */
export const MAX_JSON_DEPTH = 64

/**
 * Parses a request body as JSON, refusing before `JSON.parse` anything nested deeper than
 * {@link MAX_JSON_DEPTH} (which would otherwise overflow the stack in the parser, the schema
 * validator or the serializer: a 500 to anyone) and afterwards any `__proto__` key or
 * `constructor.prototype` (prototype poisoning, as fastify's own parser refuses). Throws
 * `REQUEST_INVALID` with what was expected and what came.
 *
 * @example
 * ```ts
 * import { parseJsonBody } from './src/api/index.ts'
 * parseJsonBody('{"a":[1,2]}')             // { a: [1, 2] }
 * parseJsonBody('['.repeat(100) + ']'.repeat(100)) // throws REQUEST_INVALID
 * ```
 */
export function parseJsonBody(text: string): unknown {
  const fail = (got: string) => new BaseError('REQUEST_INVALID', 'Request body could not be parsed.', { details: `expected ${got}` })
  if (text.length === 0) throw fail('a JSON body with content-type application/json, got an empty body')
  // One pass over the text, outside strings, counting open brackets: no recursion, no allocation.
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 || c === 123) {
      if (++depth > MAX_JSON_DEPTH) throw fail(`JSON nested at most ${MAX_JSON_DEPTH} levels deep, got deeper (at character ${i})`)
    } else if (c === 93 || c === 125) depth--
  }
  let json: unknown
  try {
    json = JSON.parse(text, (key, value: unknown) => {
      if (key === '__proto__' || (key === 'constructor' && value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype')))
        throw fail(`no "${key}" key (prototype poisoning), got one`)
      return value
    })
  } catch (e) {
    if (e instanceof BaseError) throw e
    throw fail(`a JSON body with content-type application/json, got: ${(e as Error).message.slice(0, 200)}`)
  }
  return json
}
