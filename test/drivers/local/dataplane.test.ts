// The node agents' resync: nothing re-programmed when nothing changed and the table is intact, a flushed or
// changed node re-programmed, and a full refresh every FULL_REFRESH_EVERY resyncs (a fake nft, no namespaces).
import t from 'tap'
import type { Exec } from '../../../src/drivers/exec.js'
import { FULL_REFRESH_EVERY, LocalDataplane } from '../../../src/drivers/local/dataplane.js'
import { planTopology } from '../../../src/drivers/local/topology.js'
import { stepStates } from '../../../src/scenario/apply-actions.js'
import { loadScenarios } from '../../../src/scenario/load.js'

const [s] = loadScenarios(['test/fixtures/scenarios/local-mix.yaml'])
const plan = planTopology(s, 'abcdef', 2)
const states = stepStates(s)

/** A fake `ip netns exec <ns> nft`: keeps each node's forward chain as nft would print it, counts the loads. */
function fakeNft() {
  const forward = new Map<string, string>()
  const loads: string[] = []
  const exec: Exec = async (_file, args, opts) => {
    const ns = args[2]
    const nft = args.slice(4)
    if (nft[0] === '-f') {
      const script = opts?.input ?? ''
      if (script.startsWith('flush table')) forward.set(ns, '')
      else if (script.includes('chain forward')) {
        loads.push(ns)
        const start = script.indexOf('  chain forward {')
        // As `nft list` prints it: tabs and its own words for the hook line.
        forward.set(
          ns,
          script.slice(start, script.indexOf('\n  }', start)).replace(/^ +/gm, '\t\t').replace('priority 0', 'priority filter'),
        )
      }
      return { exitCode: 0, stdout: '', stderr: '' }
    }
    if (nft[0] === 'list') {
      const body = forward.get(ns)
      return body === undefined
        ? { exitCode: 1, stdout: '', stderr: 'No such file or directory' }
        : { exitCode: 0, stdout: body, stderr: '' }
    }
    return { exitCode: 0, stdout: '', stderr: '' }
  }
  return { exec, loads, forward }
}

t.test('resync leaves unchanged, intact nodes alone and repairs the rest', async (t) => {
  const nft = fakeNft()
  let state = states[1]
  const dp = new LocalDataplane(plan, () => state, states[0], { exec: nft.exec, resyncMs: 0 })
  await dp.start()
  t.equal(nft.loads.length, 2, 'both nodes programmed at start')
  await dp.resync()
  t.equal(nft.loads.length, 2, 'nothing changed: nothing re-programmed')
  await dp.flush(plan.nodes[0].ns)
  await dp.resync()
  t.same(nft.loads.slice(2), [plan.nodes[0].ns], 'the flushed node is repaired, only it')
  state = states[2]
  await dp.resync()
  t.ok(nft.loads.length > 3, 'a change is programmed by the resync too')
  const before = nft.loads.length
  for (let i = 0; i < FULL_REFRESH_EVERY; i++) await dp.resync()
  t.equal(nft.loads.length - before, 2, 'one full refresh of both nodes every FULL_REFRESH_EVERY resyncs')
  dp.close()
})
