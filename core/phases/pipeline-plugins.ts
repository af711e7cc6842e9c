/**
 * The built-in emerge, package and publish plugins. options-apply.ts applies them to every farm,
 * also for commands that never build (config, plan, render), so this module stays light: each
 * tap imports its phase's implementation (core/emerge/phase.ts, core/package/phase.ts, core/publish/stage.ts) when it runs.
 */
import type { Farm } from '../farm.ts';
import type { Plugin } from '../plugin.ts';
import { FARM_DATA } from '../plan/run-data.ts';

export class EmergePlugin implements Plugin {
  readonly name = 'binfarm:emerge';

  apply(farm: Farm): void {
    // Key computation and the build container need the farm outside the phase taps.
    farm.hooks.beforeRun.tap(this.name, (run) => {
      if (!run.farm) run.data.set(FARM_DATA, farm);
    });
    farm.hooks.emerge.tapPromise(this.name, async (build) => (await import('../emerge/phase.ts')).emergePhase(farm, build));
  }
}

export class PackagePlugin implements Plugin {
  readonly name = 'binfarm:package';

  apply(farm: Farm): void {
    farm.hooks.package.tapPromise(this.name, async (build) => (await import('../package/phase.ts')).packagePhase(farm, build));
  }
}

export class PublishPlugin implements Plugin {
  readonly name = 'binfarm:publish';

  apply(farm: Farm): void {
    farm.hooks.publish.tapPromise(this.name, async (build) => (await import('../publish/stage.ts')).stagePublish(build));
    farm.hooks.done.tapPromise(this.name, async (run, summary) => {
      const { publishingEnabled, publishRun } = await import('../publish/publish-run.ts');
      if (!publishingEnabled(run)) return;
      await publishRun(run, summary);
    });
  }
}
