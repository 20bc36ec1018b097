/**
 * The layer plan of kbench, as rules (ARCHITECTURE.md explains it in prose; this file is the plan).
 *
 * LAYERS lists the layers bottom to top. A module may import from its own layer and from any layer
 * below it, never from a layer above ("no upward import"). On top of that: no cycle anywhere, and
 * custom-os/ (the image builders) is reached from harness/ only through the qemu image providers.
 *
 * Run it: `npm run lint:layers` (test/architecture/layers.test.ts runs the same check in `npm test`).
 */
'use strict';

/** Bottom to top. Each entry: a name and the path patterns (regular expressions) that belong to it. */
const LAYERS = [
  { name: 'foundation', paths: ['^harness/errors/', '^harness/fs/', '^harness/root\\.ts$', '^harness/version\\.ts$', '^harness/progress/'] },
  { name: 'stats', paths: ['^harness/stats/'] },
  { name: 'results', paths: ['^harness/results/'] },
  { name: 'format', paths: ['^harness/format/'] },
  { name: 'compare', paths: ['^harness/compare/', '^harness/baseline/'] },
  { name: 'ssh', paths: ['^harness/ssh/'] },
  { name: 'guest', paths: ['^harness/guest/'] },
  { name: 'env', paths: ['^harness/env/'] },
  { name: 'suites', paths: ['^suites/'] },
  { name: 'custom-os', paths: ['^custom-os/'] },
  { name: 'backends', paths: ['^harness/backends/'] },
  { name: 'run', paths: ['^harness/run/'] },
  { name: 'records', paths: ['^harness/db/', '^harness/history/', '^harness/submit/', '^harness/claims/', '^harness/community/'] },
  { name: 'render', paths: ['^harness/render/'] },
  { name: 'features', paths: ['^harness/gate/', '^harness/build/'] },
  { name: 'cli', paths: ['^harness/cli/'] },
];

const anyOf = (patterns) => patterns.join('|');

/** One rule per layer: nothing in it may import any layer above it. */
const upward = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `no-upward-from-${layer.name}`,
  comment: `${layer.name} may import only itself and the layers below it (${
    LAYERS.slice(0, index)
      .map((l) => l.name)
      .join(', ') || 'none'
  }).`,
  severity: 'error',
  from: { path: anyOf(layer.paths) },
  to: { path: anyOf(LAYERS.slice(index + 1).flatMap((above) => above.paths)) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No module may reach itself again through its imports (type-only imports included).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: 'custom-os-only-through-image-providers',
      comment: 'harness/ reaches the image builders in custom-os/ only from the qemu image providers.',
      severity: 'error',
      from: { path: '^harness/', pathNot: '^harness/backends/qemu/images/' },
      to: { path: '^custom-os/' },
    },
    {
      name: 'every-module-in-a-layer',
      comment: 'A new folder under harness/ must be given a layer above (an unplaced module has no rule).',
      severity: 'error',
      from: { path: '^(harness|suites|custom-os)/', pathNot: anyOf(LAYERS.flatMap((layer) => layer.paths)) },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '\\.d\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
// Not part of dependency-cruiser's schema; for ARCHITECTURE.md and the layer test to read.
Object.defineProperty(module.exports, 'LAYERS', { value: LAYERS, enumerable: false });
