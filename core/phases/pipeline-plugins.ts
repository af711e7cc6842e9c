/**
 * The built-in emerge, package and publish plugins. options-apply.ts applies them to every farm,
 * also for commands that never build (config, plan, render), so this module stays light: each
 * tap imports its phase's implementation (emerge.ts, package.ts, publish.ts) when it runs.
 */
import type { FarmContext } from '../types.ts';
import type { Plugin } from '../plugin.ts';

export class EmergePlugin implements Plugin {
  readonly name = 'binfarm:emerge';

  apply(farm: FarmContext): void {
    farm.hooks.emerge.tapPromise(this.name, async (build) => (await import('./emerge.ts')).emergePhase(farm, build));
  }
}

export class PackagePlugin implements Plugin {
  readonly name = 'binfarm:package';

  apply(farm: FarmContext): void {
    farm.hooks.package.tapPromise(this.name, async (build) => (await import('./package.ts')).packagePhase(farm, build));
  }
}

export class PublishPlugin implements Plugin {
  readonly name = 'binfarm:publish';

  apply(farm: FarmContext): void {
    farm.hooks.publish.tapPromise(this.name, async (build) => (await import('./publish.ts')).stagePublish(build));
    farm.hooks.done.tapPromise(this.name, async (run, summary) => {
      const { publishingEnabled, publishRun } = await import('../publish/publish-run.ts');
      if (!publishingEnabled(run)) return;
      await publishRun(run, summary);
    });
  }
}
