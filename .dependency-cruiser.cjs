// Import cycles in core/ and plugins/, type-only imports included: `npm run check:cycles`.
// Not in CI yet: today a large type-import cycle runs through core/hooks.ts, core/farm.ts,
// core/run/context.ts and core/plugin.ts; the change that moves the plugin contract into one
// module that imports nothing back removes it. Add this script to .ci/run after that change.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'Modules in core/ and plugins/ must not import each other in a circle, not even for types (docs/internals/lint.md#cycles).',
      from: { path: '^(core|plugins)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    // Type-only imports count: a type cycle still ties the modules' meaning together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
