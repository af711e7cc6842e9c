/**
 * The run's executor (core/executor/registry.ts): chosen by run.executor among the built-ins and
 * what plugins register on farm.hooks.executors, its availability asked once per run.
 */
import test from 'ava';
import { ConfigSchema, type BinfarmConfigInput } from '../../core/config/schema/index.ts';
import { createFarm } from '../../core/farm.ts';
import { executorOf } from '../../core/executor/registry.ts';
import type { Executor, Plugin, RunContext } from '../../core/types.ts';

function farmWith(config: BinfarmConfigInput, plugins: Plugin[] = []) {
  const farm = createFarm({ options: ConfigSchema.parse({ ...config, plugins }), rootDir: '/nonexistent' });
  const run = { options: farm.options, engine: () => Promise.reject(new Error('no engine in this test')) } as unknown as RunContext;
  return { farm, run };
}

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
