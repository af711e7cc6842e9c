// Child of bench/config.ts: one cold config load in a fresh process, loaded the way
// bin/binfarm.js loads binfarm (jiti). Prints JSON timings on stdout.
const t0 = performance.now();
const { createJiti } = await import('jiti');
// the same options as bin/binfarm.js
const jiti = createJiti(import.meta.url, {
  nativeModules: ['zod', 'tapable', 'commander', 'cosmiconfig', 'execa', 'dockerode', 'listr2', 'yaml', 'tar-stream', 'tar-fs'],
  sourceMaps: false,
});
const { loadConfig } = await jiti.import(new URL('../core/config/load.ts', import.meta.url).pathname);
const t1 = performance.now();
const config = await loadConfig({ cwd: process.argv[2] ?? process.cwd(), command: 'config', env: {} });
const t2 = performance.now();
process.stdout.write(
  JSON.stringify({
    importMs: t1 - t0,
    loadMs: t2 - t1,
    totalMs: t2 - t0,
    sinceStartMs: t2,
    subjects: Object.keys(config.options.subjects).length,
    plugins: config.options.plugins.length,
  }) + '\n',
);
