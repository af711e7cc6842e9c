/**
 * The run's executor (core/executor/registry.ts): chosen by run.executor among the built-ins and
 * what plugins register on farm.hooks.executors, its availability asked once per run.
 */
import test from 'ava';
import { ConfigSchema, type BinfarmConfigInput } from '../../core/config/schema/index.ts';
import { createFarm } from '../../core/farm.ts';
import { executorOf } from '../../core/executor/registry.ts';
import type { Executor, Plugin, RunContext } from '../../core/types.ts';

/** A farm and a run whose engine is on this machine (`local: true`) or elsewhere, as engine.local says. */
function farmWith(config: BinfarmConfigInput, plugins: Plugin[] = [], engine = { local: true, host: 'unix:///var/run/docker.sock' }) {
  const farm = createFarm({ options: ConfigSchema.parse({ ...config, plugins }), rootDir: '/nonexistent' });
  const run = { options: farm.options, engine: () => Promise.resolve(engine) } as unknown as RunContext;
  return { farm, run };
}

const remoteEngine = { local: false, host: 'tcp://10.0.0.7:2376 (TLS)' };

test('local is the default executor', async (t) => {
  const { farm, run } = farmWith({});
  t.is((await executorOf(farm, run)).name, 'local');
});

test('an unknown executor names the known ones and the nearest', async (t) => {
  const { farm, run } = farmWith({ run: { executor: 'swram' } });
  const e = await t.throwsAsync(executorOf(farm, run));
  t.is((e as { code?: string }).code, 'E_EXECUTOR');
  t.regex(e!.message, /unknown executor "swram".*swarm/);
  t.regex((e as { hint?: string }).hint ?? '', /Known executors: local, swarm/);
});

test('a plugin registers an executor by name; its unavailable() is asked once per run', async (t) => {
  let asked = 0;
  const slurm: Executor = {
    name: 'slurm',
    async unavailable() {
      asked++;
      return undefined;
    },
    async emerge() {
      return 'built on slurm';
    },
  };
  const plugin: Plugin = { name: 'site-slurm', apply: (f) => f.hooks.executors.tap('site-slurm', (e) => ({ ...e, slurm })) };
  const { farm, run } = farmWith({ run: { executor: 'slurm' } }, [plugin]);
  t.is(await executorOf(farm, run), slurm);
  t.is(await executorOf(farm, run), slurm);
  t.is(asked, 1);
});

test('an executor that cannot run says why before anything builds', async (t) => {
  const { farm, run } = farmWith({ run: { executor: 'swarm' } });
  const e = await t.throwsAsync(executorOf(farm, run));
  t.is((e as { code?: string }).code, 'E_EXECUTOR');
  t.regex(e!.message, /the swarm executor cannot run: it needs registry\.url/);
});

test('run.executor local with an engine that is not on this machine builds on the no-bind path (remote)', async (t) => {
  const { farm, run } = farmWith({ swarm: { listen: '10.0.0.5:8470' } }, [], remoteEngine);
  t.is((await executorOf(farm, run)).name, 'remote');
  const named = farmWith({ run: { executor: 'remote' }, swarm: { listen: '10.0.0.5:8470' } }, [], remoteEngine);
  t.is((await executorOf(named.farm, named.run)).name, 'remote');
  // A local engine stays on the local path, even when remote is named.
  const here = farmWith({ run: { executor: 'remote' }, swarm: { listen: '10.0.0.5:8470' } });
  const e = await t.throwsAsync(executorOf(here.farm, here.run));
  t.regex(e!.message, /the remote executor cannot run: the engine at unix:\/\/\/var\/run\/docker\.sock is on this machine/);
});

test('the remote executor says what it needs: swarm.listen, and no binpkg signing yet', async (t) => {
  const noListen = farmWith({}, [], remoteEngine);
  const e = await t.throwsAsync(executorOf(noListen.farm, noListen.run));
  t.is((e as { code?: string }).code, 'E_EXECUTOR');
  t.regex(e!.message, /the remote executor cannot run: it needs swarm\.listen/);
  const signing = farmWith({ swarm: { listen: '10.0.0.5:8470' }, binhost: { signing: { key: 'k.asc' } } } as BinfarmConfigInput, [], remoteEngine);
  const s = await t.throwsAsync(executorOf(signing.farm, signing.run));
  t.regex(s!.message, /binhost\.signing is not supported on a remote engine yet/);
});
