// Import cycles in core/ and plugins/, type-only imports included: `npm run check:cycles`, a CI
// step (.ci/run). The plugin contract (core/types.ts) is the bottom layer: it may import only the
// data shapes listed in `contract-bottom` (docs/internals/lint.md#cycles).
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
    {
      name: 'contract-bottom',
      severity: 'error',
      comment: 'core/types.ts (the plugin contract) imports only data shapes, never the farm, hooks, run, phases or planner (docs/internals/lint.md#cycles).',
      from: { path: '^core/types\\.ts$' },
      to: {
        path: '^core/',
        pathNot: '^core/(config/schema/|config/image-name\\.ts$|engine/types\\.ts$|portage/model\\.ts$|subject/types\\.ts$|tree/sources/types\\.ts$)',
      },
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
