/**
 * What adding a guest OS costs, measured: every file in harness/ outside the guest's own files
 * whose code spells the guest's name. ARCHITECTURE.md's goal is one such place per guest (its
 * registration); the table below is the real count today, so a new place fails this test (and a
 * place removed must be taken off the table, so it only shrinks).
 *
 * A guest's own files: its adapter folder (harness/guest/<folder>/), its target files
 * (harness/run/targets/<name>*.ts) and its image providers (harness/backends/qemu/images/<name>-*.ts).
 * "Spells the name" is the lowercase name as a word in code — a string, a key, a case — with
 * comments and import paths left out (importing './targets/netbsd.ts' is how a registry lists a
 * file; it is not knowing the OS). "debian-testbed" counts for debian; "kbench-debian" does not.
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
export function codeOf(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1')
    .replace(/\bfrom\s+(['"])[^'"]*\1/g, 'from ""')
    .replace(/\bimport\s*\(\s*(['"])[^'"]*\1\s*\)/g, 'import("")');
}

function ownFile(guest: string, file: string): boolean {
  return (
    file.startsWith(`harness/guest/${ADAPTER_FOLDER[guest] ?? guest}/`) ||
    new RegExp(`^harness/run/targets/${guest}(-[a-z0-9-]+)?\\.ts$`).test(file) ||
    new RegExp(`^harness/backends/qemu/images/${guest}-[a-z0-9-]+\\.ts$`).test(file)
  );
}

export function placesOf(guest: string, files: readonly string[] = sourceFiles('harness')): string[] {
  const word = new RegExp(`(?<![A-Za-z0-9_$-])${guest}(?![A-Za-z0-9_$])`);
  return files.filter((file) => !ownFile(guest, file) && word.test(codeOf(readFileSync(path.join(ROOT, file), 'utf8')))).sort();
}

/**
 * The places today: debian 5, alpine 5, freebsd 4, netbsd 3, openbsd 3. Before issue 23 (commit
 * 82295f4) the same measure found debian 10, alpine 11, freebsd 11, netbsd 8, openbsd 8.
 * Not yet the one registration line, and why:
 * - results/names.ts is the vocabulary below the schema (the schema may not import the guest
 *   registry, which is above it), and guest/registry.ts maps each name to its adapter: two lines,
 *   both checked by `tsc` against each other.
 * - build/plan.ts is `kbench build`'s own list of kernel builds (one recipe per OS, in one file).
 * - The Lima backend runs exactly Alpine and FreeBSD: LIMA_GUESTS in lima/args.ts holds what is
 *   particular to each (template, VM type, how the custom kernel goes in), and limaRefusal
 *   refuses Debian by name (the testbed is QEMU's).
 * - cli/doctor-command.ts names Debian as a host platform (apt-get hints), not as a guest; the
 *   debian-arm64 target's note names the Alpine kernel config it reuses.
 */
const EXPECTED: Record<string, string[]> = {
  debian: ['harness/backends/lima/args.ts', 'harness/build/plan.ts', 'harness/cli/doctor-command.ts', 'harness/guest/registry.ts', 'harness/results/names.ts'],
  alpine: ['harness/backends/lima/args.ts', 'harness/build/plan.ts', 'harness/guest/registry.ts', 'harness/results/names.ts', 'harness/run/targets/debian-arm64.ts'],
  freebsd: ['harness/backends/lima/args.ts', 'harness/build/plan.ts', 'harness/guest/registry.ts', 'harness/results/names.ts'],
  netbsd: ['harness/build/plan.ts', 'harness/guest/registry.ts', 'harness/results/names.ts'],
  openbsd: ['harness/build/plan.ts', 'harness/guest/registry.ts', 'harness/results/names.ts'],
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
    expect(placesOf('netbsd', ['harness/guest/netbsd/index.ts', 'harness/guest/registry.ts'])).toEqual(['harness/guest/registry.ts']);
  });
});
