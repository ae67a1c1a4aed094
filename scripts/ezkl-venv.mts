// Creates the git-ignored .venv with the pinned ezkl wheel (the ezkl backend's only dependency).
// Run by .ci/run; the backend also runs the same check on first use.
import { ensureEzklVenv } from '../src/compiler/ezkl/venv.ts'

try {
  console.log(await ensureEzklVenv())
} catch (e) {
  console.error((e as Error).message)
  process.exit(1)
}
