// report.md: verdict, counts, per step the observed tables with disagreements marked, and a line per problem cell.
import t from 'tap'
import { markdownChunks } from '../../src/report/render-markdown.js'
import { sampleReport } from '../helpers/report.js'

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
