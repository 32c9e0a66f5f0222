// Why: the agent tests' one fixture: an agent living in a namespace of its own that serves a pod whose namespace
// holds only a veth (its peer up, nothing answering there), as the agent tests need it; removed at the test's end.
import type { Test } from 'tap'
import { execa } from 'execa'
import { Agent } from '../../src/drivers/local/agents.js'
import type { ListenSpec } from '../../src/drivers/local/agent-protocol.js'

/**
 * A started agent in namespace `nphtest-<tag>-<pid>-home` serving identity `x/a` in `nphtest-<tag>-<pid>-pod` with
 * `listen` and the link `setup` (the agent brings eth0 up, gives it the addresses and routes via the gateways).
 * Not the driver's nph-<sid>- pattern: no cleanup of a concurrent run touches these.
 */
export async function agentWithPod(
  t: Test,
  tag: string,
  listen: readonly ListenSpec[],
  setup: { ip: string; gateway: string; ip6?: string; gateway6?: string },
): Promise<{ agent: Agent; home: string; pod: string }> {
  const home = `nphtest-${tag}-${process.pid}-home`
  const pod = `nphtest-${tag}-${process.pid}-pod`
  await execa('ip', ['-batch', '-'], { input: `netns add ${home}\nnetns add ${pod}\n` })
  t.teardown(() => execa('ip', ['-force', '-batch', '-'], { input: `netns del ${home}\nnetns del ${pod}\n`, reject: false }))
  await execa('ip', ['-n', pod, '-batch', '-'], { input: 'link add eth0 type veth peer name peer0\nlink set peer0 up\n' })
  const agent = new Agent(home, 8)
  t.teardown(() => agent.stop())
  await agent.started(30000)
  await agent.send({ cmd: 'serve', identity: 'x/a', netns: `/run/netns/${pod}`, listen, setup }, 15000)
  return { agent, home, pod }
}
