// Lint for binfarm: `npm run lint` (CI runs it after the tests, like the type check).
//
// Why ESLint 9 + typescript-eslint and not Biome: the import-boundary rules below need a
// different list of forbidden imports per directory. ESLint's flat config gives that with the
// built-in `no-restricted-imports` and one `files` block per directory, with no plugin to add;
// Biome's equivalent (`noRestrictedImports` in per-path overrides) exists, but it cannot see
// type-only `import('…')` expressions, and it cannot run the type-aware rules
// (no-floating-promises) that catch real bugs here. Import cycles are a whole-graph property,
// not a per-file one: dependency-cruiser reports them (`npm run check:cycles`, .dependency-cruiser.cjs).
//
// Rules: the recommended sets, with the rules whose findings would need churn across the code
// base switched off (listed with the reason), plus max-len 160 and the boundaries.
// docs/internals/lint.md explains the rules and how to run them.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Forbids imports whose specifier matches one of `regexes` in every form: static imports and
 * re-exports (no-restricted-imports), `import('…')` calls and `import('…').T` type references
 * (no-restricted-syntax), so that a boundary cannot be crossed by a lazy or type-only import.
 * The regexes write `/` as `\x2F`: esquery (the selector parser) does not allow `/` in a regex.
 */
function boundary(files, regexes, message) {
  const syntax = regexes.flatMap((re) => [
    { selector: `ImportExpression[source.value=/${re}/]`, message },
    { selector: `TSImportType[argument.literal.value=/${re}/]`, message },
  ]);
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { patterns: regexes.map((regex) => ({ regex, message })) }],
      'no-restricted-syntax': ['error', ...syntax],
    },
  };
}

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '.binfarm/**',
      'coverage/**',
      // the compiled copy of core/ (npm run build)
      'dist/**',
      'dist.tmp-*/**',
      'test/fixtures/**/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Type-aware and worth it: an un-awaited promise in the runner or a phase loses errors
      // and ordering. Costs a few seconds of type checking (see docs/internals/lint.md).
      '@typescript-eslint/no-floating-promises': 'error',
      // `any` is used on purpose at the tapable and dockerode boundaries (untyped there).
      '@typescript-eslint/no-explicit-any': 'off',
      // `x!` after a has()/length check is a deliberate, local idiom here.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Unused arguments keep hook and callback signatures readable; unused imports and
      // locals are errors (prefix `_` to keep one on purpose).
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Test fixtures and small adapters use empty object types and `{}` deliberately.
      '@typescript-eslint/no-empty-object-type': 'off',
      // An ANSI/NUL matcher in parsers of emerge output is intended.
      'no-control-regex': 'off',
      // Tests match column-aligned CLI output with literal runs of spaces; `{2}` would hide the layout.
      'no-regex-spaces': 'off',
      // `catch {}` that ignores a best-effort cleanup failure is intended (the cleanup is logged elsewhere).
      'no-empty': ['error', { allowEmptyCatch: true }],
      // TypeScript checks these itself (and knows the types and Node globals).
      'no-undef': 'off',
      'no-redeclare': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', performance: 'readonly', setTimeout: 'readonly', module: 'writable' },
    },
  },
  {
    rules: {
      // Lines under 160 characters (the project's style). A line holding a long string, template
      // or regex literal may run over: an error message or fixture text split in pieces is harder
      // to grep for and to read. Code around such literals is wrapped (prettier's layout).
      'max-len': ['error', { code: 160, tabWidth: 2, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },

  // ── import boundaries ─────────────────────────────────────────────────────
  // A plugin uses the public API only: 'binfarm' (core/index.ts), its own files and npm packages.
  boundary(
    ['plugins/**'],
    // core/ by path, deep imports of 'binfarm/…', or climbing out of the plugin's own folder
    ['(^|\\x2F)core(\\x2F|$)|^binfarm\\x2F|^\\.\\.\\x2F\\.\\.\\x2F\\.\\.'],
    "A plugin imports only 'binfarm', its own files and npm packages, never core/ paths (docs/internals/lint.md#boundaries).",
  ),
  // The bottom layers know nothing of the Farm, the run or the phases.
  boundary(
    ['core/engine/**', 'core/portage/grammar/**', 'core/portage/makeconf/**', 'core/portage/render/**'],
    ['(^|\\x2F)farm(\\.ts)?$|(^|\\x2F)run\\x2F|(^|\\x2F)phases\\x2F'],
    'core/engine and core/portage/{grammar,makeconf,render} must not import core/farm.ts, core/run or core/phases (docs/internals/lint.md#boundaries).',
  ),
  // The plugin contract is the bottom layer: data shapes only, no implementation.
  boundary(
    ['core/types.ts'],
    ['(^|\\x2F)(farm|hooks|plugin)(\\.ts)?$|(^|\\x2F)(run|phases|plan)\\x2F'],
    'core/types.ts (the plugin contract) must not import the farm, hooks, plugin, run, phases or planner (docs/internals/lint.md#boundaries).',
  ),
);
