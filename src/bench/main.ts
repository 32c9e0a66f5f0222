// Why: `npm run bench`: every benchmark, numbers printed and written under reports/bench/.
import { main as evaluator } from './evaluator.js'
import { main as probe } from './probe.js'

evaluator()
await probe()
