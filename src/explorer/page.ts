import { readFileSync } from 'node:fs'

let html: string | undefined

/**
 * The explorer page: one self-contained HTML file (inline CSS, vanilla JS, inline SVG sparklines),
 * no build step and no front-end dependency. Kept as a real .html file beside this module so it
 * can be edited and previewed as HTML; read once and kept in memory.
 *
 * @example
 * ```ts
 * import { explorerHtml } from './src/explorer/index.ts'
 * explorerHtml().startsWith('<!doctype html>') // true
 * ```
 */
export function explorerHtml(): string {
  html ??= readFileSync(new URL('./page.html', import.meta.url), 'utf8')
  return html
}
