/** Replays every bundle `kbench doctor --record` wrote into test/fixtures/recorded/. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLimaList, parseLimaVersion } from '../../harness/backends/lima/parse.ts';
import { parseQemuVersion } from '../../harness/backends/qemu/backend.ts';
import { evaluate, type BundleFile, type Check, type Probe } from '../../harness/cli/doctor-command.ts';
import { readJsonFileSync, SMALL_FILE_LIMITS } from '../../harness/fs/json.ts';
import { parseMacSysctl } from '../../harness/env/host.ts';

const root = path.join(import.meta.dirname, '../fixtures/recorded');
const bundles = readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** Which kbench parser reads which recorded output; each must accept it. */
const PARSERS: Record<string, (text: string) => unknown> = {
  'qemu-system-x86_64': (text) => expect(parseQemuVersion(text)).toMatch(/^\d+\.\d+/),
  'qemu-system-aarch64': (text) => expect(parseQemuVersion(text)).toMatch(/^\d+\.\d+/),
  limactl: (text) => expect(parseLimaVersion(text).ok).toBe(true),
  'limactl-list': (text) => expect(parseLimaList(text).ok).toBe(true),
  sysctl: (text) => expect(parseMacSysctl(text)).not.toBeNull(),
};

it('there is at least one recorded bundle', () => {
  expect(bundles.length).toBeGreaterThan(0);
});

for (const bundle of bundles) {
  describe(`recorded bundle ${bundle}`, () => {
    // A recorded bundle is sent in by someone else: read through the one strict reader.
    const manifest = readJsonFileSync(path.join(root, bundle, 'manifest.json'), SMALL_FILE_LIMITS) as {
      format: string;
      platform: 'darwin' | 'debian' | 'other';
      arch: string;
      inputs: { firmware: string | null; freeBytes: number | null; cacheDir: string; knownHosts: string; knownHostsExists: boolean };
      files: BundleFile[];
      checks: Check[];
    };
    const text = (file: string) => readFileSync(path.join(root, bundle, file), 'utf8');

    it('is a kbench bundle whose files all exist', () => {
      expect(manifest.format).toBe('kbench-recorded-bundle');
      for (const file of manifest.files) expect(existsSync(path.join(root, bundle, file.file)), file.file).toBe(true);
    });

    it('every recorded output kbench parses is accepted by its parser', () => {
      const parsed: string[] = [];
      for (const file of manifest.files) {
        const parse = PARSERS[file.kind];
        if (parse && file.exitCode === 0) {
          parse(text(file.file));
          parsed.push(file.kind);
        }
      }
      // A bundle none of whose outputs reaches a parser would pass without testing anything.
      expect(parsed.length, `no output of ${bundle} has a parser (kinds: ${manifest.files.map((f) => f.kind).join(', ')})`).toBeGreaterThan(0);
    });

    it('the checks follow from the raw outputs alone', () => {
      const probes: Record<string, Probe> = Object.fromEntries(
        manifest.files.map((file) => [
          file.kind,
          {
            source: file.source,
            exitCode: file.exitCode,
            output: text(file.file),
            ...(file.stillRunning !== undefined ? { stillRunning: file.stillRunning } : {}),
          },
        ]),
      );
      expect(evaluate({ platform: manifest.platform, arch: manifest.arch, probes, ...manifest.inputs })).toEqual(manifest.checks);
    });
  });
}
