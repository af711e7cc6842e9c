/** recentNodes: one listNodes a second for all the jobs a run waits for, a failed listing not kept. */
import test from 'ava';
import type Docker from 'dockerode';
import { recentNodes } from '../../core/executor/swarm/recent-nodes.ts';

function fakeDocker(answers: Array<'ok' | 'fail'>) {
  let calls = 0;
  const docker = {
    async listNodes() {
      const a = answers[calls++] ?? 'ok';
      if (a === 'fail') throw new Error('manager unreachable');
      return [{ ID: `n${calls}`, Description: { Hostname: 'a' }, Status: { State: 'ready' }, Spec: { Availability: 'active' } }];
    },
  };
  return { docker: docker as unknown as Docker, calls: () => calls };
}

test('callers within a second share one listing; a later one asks again', async (t) => {
  const { docker, calls } = fakeDocker([]);
  const first = await recentNodes(docker, 10_000);
  t.is((await recentNodes(docker, 10_500))[0]!.id, first[0]!.id);
  t.is((await recentNodes(docker, 10_999))[0]!.id, 'n1');
  t.is(calls(), 1);
  t.is((await recentNodes(docker, 11_000))[0]!.id, 'n2');
  t.is(calls(), 2);
});

test('a failed listing is not kept: the next caller asks again', async (t) => {
  const { docker, calls } = fakeDocker(['fail']);
  await t.throwsAsync(recentNodes(docker, 20_000), { message: 'manager unreachable' });
  t.is((await recentNodes(docker, 20_100))[0]!.state, 'ready');
  t.is(calls(), 2);
});
