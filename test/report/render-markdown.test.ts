// report.md: verdict, counts, per step the observed tables with disagreements marked, and a line per problem cell.
import t from 'tap'
import { markdownChunks } from '../../src/report/render-markdown.js'
import { localRunReport, sampleReport } from '../helpers/report.js'

t.test('the sample run as Markdown', async (t) => {
  const md = [...markdownChunks(sampleReport())].join('')
  t.matchSnapshot(md)
  t.match(md, /^# netpol-harness run 20261124-010203-abcd: FAIL \(disagreements\)\n/)
  t.match(md, /```\n80\/TCP\n/, 'a table per target inside a code block')
  t.match(md, /\n- fail-open: x\/b -> x\/a/, 'the fail-open cell is listed')
})

t.test('a passing run lists no problem cell', async (t) => {
  const md = [...markdownChunks(sampleReport('20261124-010203-abcd', { failOpen: false }))].join('')
  t.notMatch(md, /\n- fail-open/)
})

t.test('the top names driver, how it was chosen, CNI, versions and every option; a fault-injected run says so (issue 15)', async (t) => {
  const md = [...markdownChunks(localRunReport(['packet-loss=10']))].join('')
  const top = md.split('\n').slice(0, 9).join('\n')
  t.matchSnapshot(top)
  t.match(
    top,
    /\nDriver: local \(chosen by auto: kind not usable here \(`kind version` failed\)\); CNI: netpol-harness local nftables dataplane; nftables v1\.0\.6, kernel 6\.1\n/,
  )
  t.match(top, /\nOptions: driver requested auto; settle 30s; .*; faults packet-loss=10; nodes 2; resync 2s\n/)
  t.match(top, /\n\*\*Fault-injected run\*\* \(--fault packet-loss=10\): disagreements were provoked on purpose/)
  t.notMatch([...markdownChunks(localRunReport([]))].join(''), /Fault-injected/, 'no note without faults')
})
