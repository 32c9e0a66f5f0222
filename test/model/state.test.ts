// Where probes connect: endpoint ids to addresses.
import t from 'tap'
import { endpointAddresses } from '../../src/model/state.js'

t.test('pods by namespace/name, externals by name', async (t) => {
  const state = {
    namespaces: [],
    pods: [{ namespace: 'x', name: 'a', labels: {}, ip: '10.0.0.1', ports: [] }],
    externals: [{ name: 'ext', ip: '192.0.2.1', ports: [] }],
    policies: [],
  }
  t.same(
    [...endpointAddresses(state)],
    [
      ['x/a', '10.0.0.1'],
      ['ext', '192.0.2.1'],
    ],
  )
})
