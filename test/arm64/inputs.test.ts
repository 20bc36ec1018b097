/** Pure parts of the Debian arm64 testbed: what goes into the kernel's cache key, page size from a config. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fragmentOptionLines, kernelCacheKey, type KernelInputs } from '../../custom-os/debian-arm64/kernel.ts';
import { arm64PageSizeFromConfig, missingToolsLine, parsePackageVersions } from '../../custom-os/debian-arm64/testbed.ts';

const repo = join(import.meta.dirname, '..', '..');
const fragment = readFileSync(join(repo, 'kernels', 'alpine-m-series.config'), 'utf8');

describe('kernel cache key', () => {
  it('takes the fragment option lines only: the 56 requested options, comments dropped', () => {
    const lines = fragmentOptionLines(fragment);
    expect(lines).toHaveLength(56);
    expect(lines).toContain('CONFIG_ARM64_16K_PAGES=y');
    expect(lines).toContain('# CONFIG_ARM64_4K_PAGES is not set');
    expect(lines.some((l) => l.startsWith('# ') && !l.endsWith(' is not set'))).toBe(false);
    expect(fragmentOptionLines(`# a comment change\n${fragment}`)).toEqual(lines);
  });

  it('the guest fragment is all checked options too', () => {
    const guest = fragmentOptionLines(readFileSync(join(repo, 'kernels', 'arm64-qemu-guest.config'), 'utf8'));
    expect(guest).toContain('# CONFIG_KVM is not set');
    expect(guest).toContain('CONFIG_KEYBOARD_GPIO=y');
  });

  it('changes with every input and not with key order', () => {
    const base: KernelInputs = {
      linuxSourceSha256: '1'.repeat(64),
      fragmentOptionsSha256: ['2'.repeat(64), '3'.repeat(64)],
      scriptSha256: '4'.repeat(64),
      crossLibSha256: '5'.repeat(64),
      baseConfig: 'virtconfig',
      pageSize: '16k',
      compiler: 'aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0',
    };
    const key = kernelCacheKey(base);
    expect(kernelCacheKey({ ...base })).toBe(key);
    const reordered = Object.fromEntries(Object.entries(base).reverse()) as unknown as KernelInputs;
    expect(kernelCacheKey(reordered)).toBe(key);
    expect(kernelCacheKey({ ...base, pageSize: '4k' })).not.toBe(key);
    expect(kernelCacheKey({ ...base, crossLibSha256: '6'.repeat(64) })).not.toBe(key);
    expect(kernelCacheKey({ ...base, compiler: 'gcc 13' })).not.toBe(key);
    expect(kernelCacheKey({ ...base, fragmentOptionsSha256: [...base.fragmentOptionsSha256].reverse() })).not.toBe(key);
  });
});

describe('arm64PageSizeFromConfig', () => {
  it('reads the chosen granule', () => {
    expect(arm64PageSizeFromConfig('CONFIG_ARM64=y\nCONFIG_ARM64_16K_PAGES=y\n# CONFIG_ARM64_4K_PAGES is not set\n')).toBe(16384);
    expect(arm64PageSizeFromConfig('CONFIG_ARM64_4K_PAGES=y\n')).toBe(4096);
    expect(arm64PageSizeFromConfig('CONFIG_ARM64_64K_PAGES=y\n')).toBe(65536);
    expect(arm64PageSizeFromConfig('# CONFIG_ARM64_16K_PAGES is not set\nCONFIG_X86_64=y\n')).toBeNull();
  });
});

describe('parsePackageVersions', () => {
  it('keeps the packages asked for from dpkg-query lines', () => {
    const text = 'zfsutils-linux\t2.3.2-2~bpo12+1\nbash\t5.2.15-2+b7\nlinux-image-6.12.117+deb12-arm64\t6.12.117-1~deb12u1\n\nbroken-line\n';
    expect(parsePackageVersions(text, (n) => n.startsWith('zfs') || n.startsWith('linux-image-'))).toEqual({
      'zfsutils-linux': '2.3.2-2~bpo12+1',
      'linux-image-6.12.117+deb12-arm64': '6.12.117-1~deb12u1',
    });
  });
});

describe('host programs for the arm64 tree', () => {
  it('all present: nothing to say; missing ones: one line with why and the apt-get line', () => {
    expect(missingToolsLine(() => true)).toBeNull();
    expect(missingToolsLine((program) => program !== 'pahole')).toBe(
      "building the Debian arm64 testbed needs pahole (Debian's arm64 headers add BTF to every module (CONFIG_DEBUG_INFO_BTF_MODULES)): apt-get install dwarves (or sh .ci/prepare-arm64)",
    );
    expect(missingToolsLine((program) => program === 'unshare')).toMatch(
      /: apt-get install debootstrap gcc-aarch64-linux-gnu dwarves \(or sh \.ci\/prepare-arm64\)$/,
    );
  });
});
