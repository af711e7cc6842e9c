/**
 * Phase 6 of a subject's walk (docs/internals/walk.md): publish. Per subject it only stages; the
 * pushes and binhost generations happen in the `done` hook, once the whole run succeeded.
 *   core/publish/stage.ts          the phase: stage the subject for `done`
 *   core/publish/publish-run.ts    `done`: images pushed (registry.ts), binhost generations published (generations.ts)
 *   core/publish/targets.ts        where binhosts are published (dir, rsync, ...)
 * Light for the same reason as emerge.ts: the taps import the implementation when they run.
 */
import type { FarmContext } from '../types.ts';
import type { Plugin } from '../plugin.ts';
import { publishingEnabled } from '../publish/enabled.ts';

export class PublishPlugin implements Plugin {
  readonly name = 'binfarm:publish';

  apply(farm: FarmContext): void {
    farm.hooks.publish.tapPromise(this.name, async (build) => (await import('../publish/stage.ts')).stagePublish(build));
    farm.hooks.done.tapPromise(this.name, async (run, summary) => {
      if (!publishingEnabled(run)) return;
      await (await import('../publish/publish-run.ts')).publishRun(run, summary);
    });
  }
}
