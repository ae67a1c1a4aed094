/**
 * Seeded randomness for reproducible data and training: mulberry32 (32-bit state, passes
 * SmallCrush; plenty for synthetic data) and Box–Muller normals.
 *
 * @example
 * ```ts
 * const r = rng(42)
 * r.uniform() // same sequence on every machine
 * r.normal(0, 1)
 * ```
 */
export function rng(seed: number) {
  let s = seed >>> 0
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const normal = (mean = 0, sd = 1) => {
    const u = Math.max(uniform(), 1e-12)
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform())
  }
  const between = (lo: number, hi: number) => lo + (hi - lo) * uniform()
  const shuffle = <T>(xs: T[]): T[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(uniform() * (i + 1))
      ;[xs[i], xs[j]] = [xs[j]!, xs[i]!]
    }
    return xs
  }
  return { uniform, normal, between, shuffle }
}

export type Rng = ReturnType<typeof rng>
