import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const read = (relative: string): string => readFileSync(join(repo, relative), 'utf8');
const lines = (text: string): string[] => text.split('\n');

const fragmentText = read('kernels/alpine-m-series.config');
const OPTION_LINE = /^CONFIG_([A-Za-z0-9_]+)=(y|m|n|"[^"\\]*"|-?[0-9]+|0x[0-9a-fA-F]+)$/;
const OFF_LINE = /^# CONFIG_([A-Za-z0-9_]+) is not set$/;

/** name -> requested value ("n" for "is not set"), with the 1-based line it came from. */
function parseFragment(text: string): { requests: Map<string, { value: string; line: number }>; errors: string[] } {
  const requests = new Map<string, { value: string; line: number }>();
  const errors: string[] = [];
  lines(text).forEach((raw, index) => {
    const line = raw.trimEnd();
    if (line === '') return;
    const option = OPTION_LINE.exec(line);
    const off = OFF_LINE.exec(line);
    let name: string;
    let value: string;
    if (option) {
      [, name, value] = option as unknown as [string, string, string];
    } else if (off) {
      name = off[1] as string;
      value = 'n';
    } else if (line.startsWith('#')) {
      if (/CONFIG_[A-Z0-9_]+(=| is not set)/.test(line) && !/^# .*[a-z].*CONFIG_/.test(line)) {
        errors.push(`line ${index + 1}: looks like an option but is malformed: ${line}`);
      }
      return;
    } else {
      errors.push(`line ${index + 1}: not CONFIG_X=value nor "# CONFIG_X is not set": ${line}`);
      return;
    }
    const earlier = requests.get(name);
    if (earlier) {
      errors.push(
        `line ${index + 1}: CONFIG_${name} set again (first on line ${earlier.line}` +
          `${earlier.value === value ? '' : `, to a different value ${earlier.value} vs ${value}`})`,
      );
      return;
    }
    requests.set(name, { value, line: index + 1 });
  });
  return { requests, errors };
}

describe('kernels/alpine-m-series.config (Linux fragment)', () => {
  const { requests, errors } = parseFragment(fragmentText);

  it('has only well-formed option lines and no option set twice', () => {
    expect(errors).toEqual([]);
    expect(requests.size).toBeGreaterThan(40);
  });

  it('the parser itself rejects malformed, duplicate and contradicting lines', () => {
    const bad = parseFragment('CONFIG_A=y\nCONFIG_B=yes\nCONFIG_A=n\n# CONFIG_C is unset\nCONFIG_D="x"\nCONFIG_D="x"\n');
    expect(bad.errors).toHaveLength(3);
    expect(bad.errors.join('\n')).toMatch(/line 2: not CONFIG_X=value/);
    expect(bad.errors.join('\n')).toMatch(/line 3: CONFIG_A set again \(first on line 1, to a different value y vs n\)/);
    expect(bad.errors.join('\n')).toMatch(/line 6: CONFIG_D set again \(first on line 5\)$/m);
  });

  it('asks for exactly one page size and the seed claims that exist as options', () => {
    const on = (name: string): boolean => ['y', 'm'].includes(requests.get(name)?.value ?? '');
    const pageSizes = ['ARM64_4K_PAGES', 'ARM64_16K_PAGES', 'ARM64_64K_PAGES'].filter(on);
    expect(pageSizes).toEqual(['ARM64_16K_PAGES']);
    for (const name of ['CRYPTO_SHA256_ARM64', 'CRYPTO_SHA2_ARM64_CE', 'CRYPTO_AES_ARM64_CE', 'CRC32', 'TRANSPARENT_HUGEPAGE']) {
      expect(on(name), name).toBe(true);
    }
    for (const name of ['VIRTIO_BLK', 'VIRTIO_NET', 'VIRTIO_PCI', 'VIRTIO_MMIO', 'VIRTIO_CONSOLE', 'VIRTIO_BALLOON', 'BLK_DEV_NVME']) {
      expect(requests.get(name)?.value, name).toBe('y');
    }
    for (const name of ['FTRACE', 'DEBUG_INFO', 'SOUND', 'WLAN', 'DRM', 'USB_SUPPORT']) {
      expect(requests.get(name)?.value, name).toBe('n');
    }
    // CRYPTO_CRC32_ARM64_CE does not exist in Linux 6.x; the arm64 CRC32 code rides on CRC32.
    expect(requests.has('CRYPTO_CRC32_ARM64_CE')).toBe(false);
  });

  it('uses only option names verified against real Linux 6.6 Kconfig files, and the list is exactly those names', () => {
    const verified = read('test/kernels/linux-kconfig-verified.txt');
    const header = lines(verified).filter((l) => l.startsWith('#'));
    expect(header.find((l) => l.startsWith('# commit: '))).toMatch(/^# commit: [0-9a-f]{40}$/);
    expect(header.find((l) => l.startsWith('# linux: '))).toMatch(/^# linux: 6\.6\.\d+$/);
    const declared = new Map(
      lines(verified)
        .filter((l) => l !== '' && !l.startsWith('#'))
        .map((l) => l.split('\t') as [string, string]),
    );
    for (const [name, file] of declared) {
      expect(file, name).toMatch(/(^|\/)Kconfig[\w.-]*$/);
      expect(file.startsWith('arch/') ? file.startsWith('arch/arm64/') || file === 'arch/Kconfig' : true, `${name} in ${file}`).toBe(true);
    }
    const unverified = [...requests.keys()].filter((name) => !declared.has(name));
    expect(unverified, 'fragment options missing from linux-kconfig-verified.txt').toEqual([]);
    expect(
      [...declared.keys()].filter((name) => !requests.has(name)),
      'stale names in the verified list',
    ).toEqual([]);
  });
});

type Os = 'freebsd' | 'netbsd' | 'openbsd';

/** "kind name" removals, parsed independently of the shell verifier. */
function removals(os: Os, text: string): string[] {
  const found: string[] = [];
  for (const line of lines(text)) {
    let m: RegExpExecArray | null;
    if (os === 'freebsd') {
      if ((m = /^nooptions\s+([A-Za-z0-9_]+)\s*$/.exec(line))) found.push(`option ${m[1]}`);
      else if ((m = /^nodevice\s+([A-Za-z0-9_]+)\s*$/.exec(line))) found.push(`device ${m[1]}`);
      else if (/^no(options|device)\b/.test(line)) throw new Error(`unparsed: ${line}`);
    } else if (os === 'netbsd') {
      if ((m = /^no\s+pseudo-device\s+([A-Za-z0-9_]+)\s*$/.exec(line))) found.push(`pseudo-device ${m[1]}`);
      else if ((m = /^no\s+([a-z0-9_]+)\s*$/.exec(line))) found.push(`device ${m[1]}`);
      else if (/^no\s/.test(line)) throw new Error(`unparsed: ${line}`);
    } else {
      if ((m = /^rmoption\s+([A-Za-z0-9_]+)\s*$/.exec(line))) found.push(`option ${m[1]}`);
      else if ((m = /^# ukc: disable ([a-z0-9_]+)$/.exec(line))) found.push(`device ${m[1]}`);
    }
  }
  return found;
}

describe('BSD kernel configs', () => {
  const verified = lines(read('test/kernels/bsd-config-verified.txt'))
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t'));

  for (const os of ['freebsd', 'netbsd', 'openbsd'] as const) {
    it(`${os}: every removed name is declared in a verified upstream GENERIC-family file`, () => {
      const conf = read(`kernels/${os}-m-series-kernel.conf`);
      const removed = removals(os, conf);
      expect(removed.length).toBeGreaterThan(8);
      expect(new Set(removed).size, 'a name removed twice').toBe(removed.length);
      const rows = verified.filter((r) => r[0] === os);
      for (const row of rows) {
        expect(row, row.join(' ')).toHaveLength(5);
        expect(row[4], row.join(' ')).toMatch(/^[0-9a-f]{40}$/);
      }
      const known = new Set(rows.map((r) => `${r[1]} ${r[2]}`));
      expect(removed.filter((r) => !known.has(r))).toEqual([]);
      expect(
        [...known].filter((k) => !removed.includes(k)),
        'stale rows',
      ).toEqual([]);
    });
  }

  it('freebsd: includes GENERIC as M-SERIES and does not pretend ZFS is a kernel option', () => {
    const conf = read('kernels/freebsd-m-series-kernel.conf');
    expect(conf).toMatch(/^include\s+GENERIC$/m);
    expect(conf).toMatch(/^ident\s+M-SERIES$/m);
    expect(conf).not.toMatch(/^options\s+ZFS\b/m);
    expect(conf).toMatch(/zfs\.ko/);
  });

  it('netbsd: removes devices by base name only (config(1) deldev: an absent instance name such as "vmt*" is fatal)', () => {
    // usr.bin/config/sem.c deldev() (NetBSD/src e499d8b5): "no X*" / "no X0" look the instance up
    // exactly ("unknown instance X*"); "no X" removes every instance of device X, whatever its unit.
    const conf = read('kernels/netbsd-m-series-kernel.conf');
    expect(lines(conf).filter((l) => /^no\s+(?!pseudo-device\b|options\b)\S*[*0-9]\s*$/.test(l))).toEqual([]);
    // GENERIC64 rev 1.232 comments nouveau out: removing it would stop config(1).
    expect(conf).not.toMatch(/^no\s+nouveau/m);
  });

  it('netbsd: includes GENERIC64; openbsd: includes GENERIC.MP and uses no statement its config(8) lacks', () => {
    expect(read('kernels/netbsd-m-series-kernel.conf')).toMatch(/^include\s+"arch\/evbarm\/conf\/GENERIC64"$/m);
    const openbsd = read('kernels/openbsd-m-series-kernel.conf');
    expect(openbsd).toMatch(/^include\s+"arch\/arm64\/conf\/GENERIC\.MP"$/m);
    expect(openbsd).not.toMatch(/^(no|rmdev|nodevice|nooptions)\s/m);
  });
});
