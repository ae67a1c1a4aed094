import { readFileSync, existsSync } from 'node:fs'
import { BaseError } from '../errors/index.ts'
import { parseHardwareProfile, type HardwareProfile } from './hardwareProfile.ts'

/** The profile measured on this project's 2-core CI/dev machine by bench/market.ts. */
export const DEFAULT_PROFILE = 'ci-2core'

/**
 * Reads a hardware profile: a name from src/market/profiles/ or a path to a JSON file.
 *
 * @example
 * ```ts
 * import { loadHardwareProfile } from './src/market/index.ts'
 * console.log(loadHardwareProfile().machine.cpuModel)
 * ```
 */
export function loadHardwareProfile(nameOrPath: string = DEFAULT_PROFILE): HardwareProfile {
  const path = nameOrPath.endsWith('.json') ? nameOrPath : new URL(`./profiles/${nameOrPath}.json`, import.meta.url)
  if (!existsSync(path))
    throw new BaseError('MARKET_PROFILE_INVALID', `Hardware profile "${nameOrPath}" not found.`, {
      details: `expected a profile name in src/market/profiles/ or a .json path, got ${String(nameOrPath)}; run bench/market.ts to measure one`,
    })
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new BaseError('MARKET_PROFILE_INVALID', `Hardware profile "${nameOrPath}" is not JSON.`, { details: (e as Error).message, cause: e })
  }
  return parseHardwareProfile(json)
}
