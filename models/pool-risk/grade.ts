/**
 * Letter grades for the 0–100 risk score (higher = riskier), like credit ratings: A is safest.
 * Bands: A < 20 ≤ B < 35 ≤ C < 50 ≤ D < 65 ≤ E < 80 ≤ F.
 *
 * @example
 * ```ts
 * gradeFor(12.5) // 'A'
 * gradeFor(80) // 'F'
 * ```
 */
export function gradeFor(score: number): Grade {
  for (const [grade, upper] of GRADE_BANDS) if (score < upper) return grade
  return 'F'
}

export type Grade = 'A' | 'B' | 'C' | 'D' | 'E' | 'F'
export const GRADE_BANDS: ReadonlyArray<readonly [Grade, number]> = [['A', 20], ['B', 35], ['C', 50], ['D', 65], ['E', 80], ['F', Infinity]]
