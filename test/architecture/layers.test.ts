/**
 * The layer plan (ARCHITECTURE.md, rules in .dependency-cruiser.cjs) holds: dependency-cruiser over
 * harness/, suites/ and custom-os/ finds no cycle, no upward import and no custom-os/ import
 * outside the image providers. Runs the same CLI as `npm run lint:layers`, so `npm test` (CI)
 * fails on the first import that breaks the plan, naming it.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEPCRUISE = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
  cycle?: { name: string }[];
}

function cruise(): { violations: Violation[]; totalCruised: number } {
  const out = execFileSync(process.execPath, [DEPCRUISE, 'harness', 'suites', 'custom-os', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const summary = (JSON.parse(out) as { summary: { violations: Violation[]; totalCruised: number } }).summary;
  return { violations: summary.violations, totalCruised: summary.totalCruised };
}

const describeViolation = (v: Violation): string =>
  v.cycle !== undefined ? `${v.rule.name}: ${v.from} → ${v.cycle.map((step) => step.name).join(' → ')}` : `${v.rule.name}: ${v.from} → ${v.to}`;

describe('the layer plan', () => {
  it('has no cycle, no upward import and no custom-os/ import outside the image providers', () => {
    const { violations, totalCruised } = cruise();
    // A cruise that found nothing to read would pass vacuously.
    expect(totalCruised).toBeGreaterThan(150);
    expect(violations.map(describeViolation)).toEqual([]);
  }, 60_000);

  it('places every folder of harness/ in exactly one layer, bottom to top', () => {
    const require = createRequire(import.meta.url);
    const config = require(path.join(ROOT, '.dependency-cruiser.cjs')) as { LAYERS: { name: string; paths: string[] }[]; forbidden: { name: string }[] };
    const names = config.LAYERS.map((layer) => layer.name);
    expect(names[0]).toBe('foundation');
    expect(names.at(-1)).toBe('cli');
    expect(new Set(names).size).toBe(names.length);
    // One no-upward rule per layer but the top one, plus no-circular.
    for (const name of names.slice(0, -1)) expect(config.forbidden.map((rule) => rule.name)).toContain(`no-upward-from-${name}`);
    expect(config.forbidden.map((rule) => rule.name)).toContain('no-circular');
    const patterns = config.LAYERS.flatMap((layer) => layer.paths.map((p) => new RegExp(p)));
    for (const folder of [
      'errors',
      'fs',
      'stats',
      'results',
      'format',
      'compare',
      'ssh',
      'guest',
      'env',
      'backends',
      'run',
      'db',
      'claims',
      'community',
      'render',
      'gate',
      'cli',
    ]) {
      const probe = `harness/${folder}/x.ts`;
      expect(
        patterns.filter((p) => p.test(probe)),
        probe,
      ).toHaveLength(1);
    }
  });

  it('refuses the imports the plan forbids and allows the ones it permits (the rules are not vacuous)', () => {
    // The rule file's own patterns applied to imports it must refuse or allow.
    const require = createRequire(import.meta.url);
    const config = require(path.join(ROOT, '.dependency-cruiser.cjs')) as {
      forbidden: { name: string; from: { path?: string; pathNot?: string }; to: { path?: string } }[];
    };
    const refuses = (from: string, to: string): string[] =>
      config.forbidden
        .filter(
          (rule) => rule.from.path !== undefined && rule.to.path !== undefined && new RegExp(rule.from.path).test(from) && new RegExp(rule.to.path).test(to),
        )
        .filter((rule) => rule.from.pathNot === undefined || !new RegExp(rule.from.pathNot).test(from))
        .map((rule) => rule.name);
    expect(refuses('harness/results/schema.ts', 'harness/backends/catalog.ts')).toEqual(['no-upward-from-results']);
    expect(refuses('harness/run/engine.ts', 'custom-os/debian-testbed/zfs-tuning.ts')).toEqual(['custom-os-only-through-image-providers']);
    expect(refuses('harness/community/report.ts', 'harness/render/charts.ts')).toEqual(['no-upward-from-records']);
    expect(refuses('harness/build/run.ts', 'custom-os/debian-arm64/kernel.ts')).toEqual(['custom-os-only-through-image-providers']);
    expect(refuses('harness/backends/qemu/images/debian-arm64.ts', 'custom-os/debian-arm64/kernel.ts')).toEqual([]);
    expect(refuses('harness/render/model.ts', 'harness/claims/judge.ts')).toEqual([]);
  });
});
