// Why: `npm run bench`: every benchmark, numbers printed and written under reports/bench/. Names given on the
// command line run only those (`node dist/src/bench/main.js dataplane`): evaluator, predict, probe, dataplane, enforce,
// local-scale, suite (the whole shipped suite on the local driver, minutes).
import { main as dataplane } from './dataplane.js'
import { main as enforce } from './enforce.js'
import { main as evaluator } from './evaluator.js'
import { main as localScale } from './local-scale.js'
import { main as predict } from './predict.js'
import { main as probe } from './probe.js'
import { main as suite } from './suite.js'

const benches: Record<string, () => unknown> = { evaluator, predict, probe, dataplane, enforce, 'local-scale': localScale, suite }
const only = process.argv.slice(2)
const unknown = only.filter((n) => !(n in benches))
if (unknown.length) {
  console.error(`unknown bench: ${unknown.join(', ')} (known: ${Object.keys(benches).join(', ')})`)
  process.exitCode = 2
} else for (const [name, run] of Object.entries(benches)) if (only.length === 0 || only.includes(name)) await run()
