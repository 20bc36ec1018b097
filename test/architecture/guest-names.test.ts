/**
 * What adding a guest OS costs, measured: every file in harness/ outside the guest's own files
 * whose code spells the guest's name. ARCHITECTURE.md's goal is one such place per guest (its
 * registration in results/names.ts); the table below is the real count today, so a new place
 * fails this test (and a place removed must be taken off the table, so it only shrinks).
 *
 * A guest's own files: its adapter folder (harness/guest/<folder>/) and, in each per-guest
 * registry folder (PER_GUEST_FOLDERS: run/targets/, backends/qemu/images/, backends/lima/guests/,
 * build/recipes/), the files named after it (<name>.ts, <name>-<flavour>.ts). Each such file
 * declares the guest's own capabilities (its target, image, Lima answer, kernel build recipe).
 * "Spells the name" is the lowercase name as a word in code — a string, a key, a case — with
 * comments and import paths left out (importing './targets/netbsd.ts' is how a registry lists a
 * file; it is not knowing the OS). "debian-testbed" counts for debian; "kbench-debian" does not.
 * The registries' own lines (guest/registry.ts, run/targets.ts, qemu/images/index.ts,
 * lima/guests/index.ts, build/recipes/index.ts) list imported declarations (`netbsdGuest`,
 * `netbsdRecipe`) and so spell no name: the name is written once, where the schema reads it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUEST_OS_NAMES } from '../../harness/results/names.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

const ADAPTER_FOLDER: Record<string, string> = { debian: 'linux', alpine: 'linux' };

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    return entry.isDirectory() ? sourceFiles(rel) : entry.name.endsWith('.ts') ? [rel] : [];
  });
}

/** The code only: comments and import/export specifiers blanked. */
function codeOf(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1')
    .replace(/\bfrom\s+(['"])[^'"]*\1/g, 'from ""')
    .replace(/\bimport\s*\(\s*(['"])[^'"]*\1\s*\)/g, 'import("")');
}

/**
 * The per-guest registry folders: each holds one file per guest (or per guest and flavour), named
 * after it, and an index or list that imports them. A guest's file there is its own.
 */
const PER_GUEST_FOLDERS = ['harness/run/targets', 'harness/backends/qemu/images', 'harness/backends/lima/guests', 'harness/build/recipes'] as const;

function ownFile(guest: string, file: string): boolean {
  if (file.startsWith(`harness/guest/${ADAPTER_FOLDER[guest] ?? guest}/`)) return true;
  const folder = path.posix.dirname(file);
  return (PER_GUEST_FOLDERS as readonly string[]).includes(folder) && new RegExp(`^${guest}(-[a-z0-9-]+)?\\.ts$`).test(path.posix.basename(file));
}

function placesOf(guest: string, files: readonly string[] = sourceFiles('harness')): string[] {
  const word = new RegExp(`(?<![A-Za-z0-9_$-])${guest}(?![A-Za-z0-9_$])`);
  return files.filter((file) => !ownFile(guest, file) && word.test(codeOf(readFileSync(path.join(ROOT, file), 'utf8')))).sort();
}

/**
 * The places today: debian 2, alpine 1, freebsd 1, netbsd 1, openbsd 1. Before issue 23 (commit
 * 82295f4) the same measure found debian 10, alpine 11, freebsd 11, netbsd 8, openbsd 8; after its
 * first pass debian 5, alpine 5, freebsd 4, netbsd 3, openbsd 3.
 * - results/names.ts is each guest's registration: the single list of guest names (with their
 *   `uname -s`), below the schema, which reads it for its enum. It must stay: the schema may not
 *   import the guest registry (above it), and every other registry is keyed by these names
 *   (guest/registry.ts fails `tsc` when a name here has no adapter).
 * - debian's second place: cli/doctor-command.ts names Debian as the *host* platform (its apt-get
 *   install hints), not as a guest. The value is part of `kbench doctor --json` output, which the
 *   recorded bundles in test/fixtures/recorded/ hold ("platform": "debian"), so it is not renamed.
 */
const EXPECTED: Record<string, string[]> = {
  debian: ['harness/cli/doctor-command.ts', 'harness/results/names.ts'],
  alpine: ['harness/results/names.ts'],
  freebsd: ['harness/results/names.ts'],
  netbsd: ['harness/results/names.ts'],
  openbsd: ['harness/results/names.ts'],
};

describe('where a guest OS name is spelled outside its own files', () => {
  it('finds every guest of the schema, and only the known places', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...GUEST_OS_NAMES].sort());
    const found = Object.fromEntries(GUEST_OS_NAMES.map((guest) => [guest, placesOf(guest)]));
    expect(found).toEqual(EXPECTED);
  });

  it('counts what it should (the measure is not vacuous)', () => {
    expect(codeOf("const a = 'netbsd'; // netbsd\n/* openbsd */ import x from './targets/netbsd.ts';")).not.toMatch(/openbsd|targets/);
    expect(codeOf("const a = 'netbsd';")).toMatch(/'netbsd'/);
    expect(codeOf("const u = 'http://x/netbsd';")).toMatch(/netbsd/);
    expect(placesOf('netbsd', ['harness/guest/netbsd/index.ts', 'harness/build/recipes/netbsd.ts', 'harness/results/names.ts'])).toEqual([
      'harness/results/names.ts',
    ]);
    // Another guest's file, a shared module or a registry's index is not a guest's own file.
    expect(ownFile('freebsd', 'harness/build/recipes/freebsd.ts')).toBe(true);
    expect(ownFile('debian', 'harness/build/recipes/debian-arm64.ts')).toBe(true);
    expect(ownFile('alpine', 'harness/backends/lima/guests/alpine.ts')).toBe(true);
    expect(ownFile('freebsd', 'harness/build/recipes/openbsd.ts')).toBe(false);
    expect(ownFile('debian', 'harness/build/recipe.ts')).toBe(false);
    expect(ownFile('alpine', 'harness/backends/lima/guests/index.ts')).toBe(false);
    expect(ownFile('netbsd', 'harness/backends/lima/netbsd.ts')).toBe(false);
  });

  it('each per-guest folder holds files of known guests only, and every guest is registered in each list it needs', () => {
    for (const folder of PER_GUEST_FOLDERS) {
      const named = sourceFiles(folder).filter((file) =>
        GUEST_OS_NAMES.some((guest) => new RegExp(`^${guest}(-[a-z0-9-]+)?\\.ts$`).test(path.posix.basename(file))),
      );
      expect(named.length, folder).toBeGreaterThan(0);
    }
    // The per-guest files really spell their guest (what is counted elsewhere is being excluded here).
    expect(codeOf(readFileSync(path.join(ROOT, 'harness/build/recipes/netbsd.ts'), 'utf8'))).toMatch(/'netbsd'/);
    expect(codeOf(readFileSync(path.join(ROOT, 'harness/backends/lima/guests/freebsd.ts'), 'utf8'))).toMatch(/'freebsd'/);
  });
});
