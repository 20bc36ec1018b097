/**
 * The project folder, for files kbench reads at run time (package.json, reports/, kernels/,
 * custom-os/). This file sits one level below the root, and so does every chunk of the compiled
 * bundle (dist/*.js), so the same relative URL is right in both; per-file URLs would not be.
 */
export const PROJECT_ROOT = new URL('../', import.meta.url);

/** A file of the project, from a path relative to its root ("reports/charts/"). */
export function projectFile(relative: string): URL {
  return new URL(relative, PROJECT_ROOT);
}
