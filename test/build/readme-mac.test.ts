/**
 * The README's per-OS Mac sequences name only what kbench has: every KBENCH_* variable is read by
 * the harness, every `kbench` subcommand and flag is one the CLI defines, every artifact path is
 * one a build script writes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### On a Mac (Apple silicon): stock vs custom, per guest OS'), readme.indexOf('### Alpine: the custom side'));

describe('README: the Mac command sequences', () => {
  it('cover Alpine, FreeBSD, NetBSD and OpenBSD', () => {
    for (const os of ['alpine', 'freebsd', 'netbsd', 'openbsd']) expect(section).toContain(`kbench run --target ${os}`);
  });

  it('every KBENCH_* variable they set is read by the harness', () => {
    const vars = [...new Set(section.match(/KBENCH_[A-Z0-9_]+/g) ?? [])];
    expect(vars.length).toBeGreaterThan(5);
    const sources = execFileSync('grep', ['-rhoE', 'KBENCH_[A-Z0-9_]+', path.join(repo, 'harness')], { encoding: 'utf8' });
    const read = new Set(sources.split('\n'));
    expect(vars.filter((name) => !read.has(name))).toEqual([]);
  });

  it('every kbench flag they use is one kbench run/build/doctor --help lists', () => {
    const help = (command: string) => execFileSync(process.execPath, [path.join(repo, 'bin/kbench.mjs'), command, '--help'], { encoding: 'utf8' });
    const known: Record<string, string> = { run: help('run'), build: help('build'), doctor: help('doctor') };
    const lines = section.split('\n').filter((line) => /(^|\s)kbench (run|build|doctor)\b/.test(line));
    for (const line of lines) {
      const command = /kbench (run|build|doctor)\b/.exec(line)![1]!;
      const flags =
        line
          .slice(line.indexOf(`kbench ${command}`))
          .split('#')[0]!
          .match(/--[a-z][a-z-]*/g) ?? [];
      for (const flag of flags) expect(known[command], `${flag} in: ${line}`).toContain(flag);
    }
  });

  it('the artifacts they pass are the ones the build scripts write', () => {
    const scripts = ['build-alpine-kernel.sh', 'build-freebsd-kernel.sh'].map((f) => readFileSync(path.join(repo, 'kernels', f), 'utf8')).join('\n');
    for (const artifact of section.match(/kernel-artifacts\/[a-z]+\/[A-Za-z0-9.-]+/g) ?? []) expect(scripts, artifact).toContain(path.basename(artifact));
  });
});
