// Which way imports may point in src/ (docs/architecture.md). `npm run check` runs
// `depcruise src`; any rule below broken by a new import fails the build.
// test/unit/architecture.test.ts plants one violation of each rule and checks it is caught.
//
// The pipeline, uphill to downhill:
//   cli → commands → options / resolve / render / server-root / launch → config.ts (types)
// Small leaf modules (errors, log, suggest, version) may be imported from anywhere.

/** Modules with no imports of the project's own that any room may use. */
const LEAF = '^src/(errors|log|suggest|version)[.]ts$';
/** Node's ways of reaching the machine: a pure room never imports these. */
const MACHINE = '^(node:)?(fs|fs/promises|child_process|os|net|dgram|http|https|worker_threads|process)$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle: the rooms no longer stand in an order. Move the shared part down a floor.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'no-dev-dependency-in-src',
      severity: 'error',
      comment: 'src/ ships to users: it may import only dependencies, not devDependencies.',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'nothing-imports-cli-or-commands',
      severity: 'error',
      comment: 'cli and commands are the top floor: they call everything, nothing calls them.',
      from: { path: '^src/', pathNot: '^src/(cli[.]ts|commands/)' },
      to: { path: '^src/(cli[.]ts|commands/)' },
    },
    {
      name: 'config-is-types-only',
      severity: 'error',
      comment: 'src/config.ts holds the types every room shares; at run time it imports nothing.',
      from: { path: '^src/config[.]ts$' },
      to: { dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'option-declarations-are-data',
      severity: 'error',
      comment:
        "A feature's options.ts declares options: it imports the declaration helpers in src/options/ and nothing else.",
      from: { path: '^src/features/[^/]+/options[.]ts$' },
      to: { pathNot: ['^src/options/(define|log-format|address)[.]ts$', LEAF] },
    },
    {
      name: 'options-never-import-resolvers',
      severity: 'error',
      comment:
        "The schema is declarations: it may import each feature's options.ts, never a resolver, discovery, render or launch.",
      from: { path: '^src/options/' },
      to: {
        path: '^src/(resolve|discovery|render|server-root|launch|django)/|^src/features/([^/]+/(?!options[.]ts$)|index[.]ts$)',
      },
    },
    {
      name: 'schema-touches-no-machine',
      severity: 'error',
      comment:
        'The option declarations are data: only the command-line readers in src/options/ (argv, parse, yargs, stored help) read files or the environment.',
      from: { path: '^src/options/', pathNot: '^src/options/(argv|parse|yargs|stored-help|address)[.]ts$' },
      to: { path: MACHINE },
    },
    {
      name: 'resolve-is-pure',
      severity: 'error',
      comment:
        'Resolve decides; it asks the Host (src/config.ts) about the machine and never reaches it itself, nor renders, writes or launches.',
      from: {
        path: ['^src/resolve/', '^src/features/[^/]+/resolve[.]ts$', '^src/features/[^/]+/[^/]+[.]ts$'],
        pathNot: '^src/features/[^/]+/options[.]ts$',
      },
      to: {
        path: ['^src/(render|server-root|launch|discovery|commands)/', '^src/cli[.]ts$', MACHINE],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'discovery-answers-only',
      severity: 'error',
      comment:
        'Discovery answers questions about the machine; it knows nothing of options, resolve, render or launch.',
      from: { path: '^src/discovery/' },
      to: {
        path: '^src/(options|resolve|features|render|server-root|launch)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'render-only-prints',
      severity: 'error',
      comment: 'Render turns a ServerConfig into text: config types, templates and quoting only.',
      from: { path: '^src/render/' },
      to: {
        path: ['^src/(options|resolve|features|discovery|server-root|launch)/', MACHINE],
        pathNot: '^node:fs$|^fs$',
      },
    },
    {
      name: 'server-root-only-writes',
      severity: 'error',
      comment: 'The server root writer takes rendered files; it never resolves, renders or launches.',
      from: { path: '^src/server-root/' },
      to: {
        path: '^src/(options|resolve|features|discovery|render|launch)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'launch-runs-what-is-written',
      severity: 'error',
      comment: 'The launcher starts Apache from a ServerConfig; it never resolves, renders or reads options.',
      from: { path: '^src/launch/' },
      to: { path: '^src/(options|resolve|features|render|discovery)/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a circle of types is still a circle to a reader.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
