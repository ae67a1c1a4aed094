import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

// Issue #11 item 16: the README's `npm install` must work on a machine that cannot reach onnxruntime's
// download host, with no environment variable. The project .npmrc hands `onnxruntime-node-install=skip` to
// onnxruntime-node's postinstall; a dead proxy stands in for "no network" (the script honours global-agent's).
test('onnxruntime-node postinstall succeeds offline with no ONNXRUNTIME_NODE_INSTALL in the environment', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, GLOBAL_AGENT_HTTPS_PROXY: 'http://127.0.0.1:9', GLOBAL_AGENT_HTTP_PROXY: 'http://127.0.0.1:9' }
  for (const k of Object.keys(env)) if (/^(ONNXRUNTIME_NODE_INSTALL|npm_config_onnxruntime)/i.test(k)) delete env[k]
  const r = spawnSync('npm', ['rebuild', 'onnxruntime-node', '--foreground-scripts', '--no-audit', '--no-fund'], { cwd: root, env, encoding: 'utf8', timeout: 120_000 })
  assert.equal(r.status, 0, `expected npm rebuild onnxruntime-node to exit 0, got ${r.status}:\n${r.stdout}\n${r.stderr}`)
  assert.doesNotMatch(r.stdout + r.stderr, /npm error/)
})
