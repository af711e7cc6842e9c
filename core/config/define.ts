import type { BinfarmConfigInput } from './schema/index.ts';
import type { PluginOption } from '../plugin.ts';

/** A config as a user writes it; `plugins` is typed for nested arrays and falsy entries. */
export type BinfarmConfig = Omit<BinfarmConfigInput, 'plugins'> & { plugins?: PluginOption[] };

export interface ConfigEnv {
  /** The CLI command being run: `run`, `plan`, `render`, ... */
  command: string;
  /** process.env at load time. */
  env: NodeJS.ProcessEnv;
}

export type ConfigExport = BinfarmConfig | ((env: ConfigEnv) => BinfarmConfig | Promise<BinfarmConfig>);

/** Identity helper: gives a config file types and completion (the vite pattern). */
export function defineConfig<T extends ConfigExport>(config: T): T {
  return config;
}
