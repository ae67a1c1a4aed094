/**
 * A least-recently-used cache bounded by total size in bytes (not entry count), for proving
 * keys: one zkey can be hundreds of MB, another a few KB. An entry larger than the whole
 * budget is not cached at all.
 *
 * @example
 * ```ts
 * import { LruCache } from './src/network/index.ts'
 * const c = new LruCache<string>(10)
 * c.set('a', 'x', 6); c.set('b', 'y', 6) // evicts 'a'
 * c.get('a') // undefined
 * ```
 */
export class LruCache<V> {
  private entries = new Map<string, { value: V; bytes: number }>()
  private total = 0

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size
  }

  /** Bytes currently held. */
  get bytes(): number {
    return this.total
  }

  get(key: string): V | undefined {
    const e = this.entries.get(key)
    if (!e) return undefined
    // Map iteration order is insertion order: re-inserting marks it most recent.
    this.entries.delete(key)
    this.entries.set(key, e)
    return e.value
  }

  has(key: string): boolean {
    return this.entries.has(key)
  }

  set(key: string, value: V, bytes: number): void {
    this.delete(key)
    if (bytes > this.maxBytes) return
    this.entries.set(key, { value, bytes })
    this.total += bytes
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxBytes) break
      this.entries.delete(k)
      this.total -= e.bytes
    }
  }

  delete(key: string): boolean {
    const e = this.entries.get(key)
    if (!e) return false
    this.entries.delete(key)
    this.total -= e.bytes
    return true
  }

  keys(): string[] {
    return [...this.entries.keys()]
  }
}
