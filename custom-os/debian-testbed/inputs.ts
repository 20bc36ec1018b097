/**
 * Everything the Debian testbed image is built from. The cache key is the SHA-256 of all of it,
 * so changing any package list, the tuning file, the mirror or the builder script rebuilds.
 */
import { canonicalJson, sha256Hex } from '../../harness/fs/canonical.ts';

/** Defined once in harness/fs (kbench gate hashes revisions with the same two). */
export { canonicalJson, sha256Hex };

export const DEBIAN_SUITE = 'bookworm';
export const APT_COMPONENTS = 'main contrib';
export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
export const DEFAULT_SECURITY_MIRROR = 'http://deb.debian.org/debian-security';
export const GUEST_HOSTNAME = 'kbench-debian';
export const IMAGE_SIZE = '4G';

export const BASE_PACKAGES = [
  'openssh-server',
  // systemd-logind needs the system bus; without logind the ACPI power button (QMP system_powerdown) is ignored.
  'dbus',
  'kmod',
  'udev',
  'iproute2',
  'procps',
  'systemd-sysv',
  'initramfs-tools',
  'zstd',
];

/** Both kernels share one rootfs; the "custom" profile is Debian's cloud-tuned kernel flavour. */
export const KERNEL_PACKAGES = {
  stock: ['linux-image-amd64', 'linux-headers-amd64'],
  custom: ['linux-image-cloud-amd64', 'linux-headers-cloud-amd64'],
} as const;

export const ZFS_PACKAGES = ['zfs-dkms', 'zfsutils-linux'];

export interface Mirrors {
  mirror: string;
  securityMirror: string;
}

/**
 * Reads the Debian mirrors the host already uses from the text of /etc/apt/sources.list and
 * /etc/apt/sources.list.d/*.sources (deb822) files. Falls back to deb.debian.org.
 */
export function detectMirrors(sourceFiles: { name: string; text: string }[]): Mirrors {
  const found: { uri: string; suites: string[] }[] = [];
  for (const file of sourceFiles) {
    if (file.name.endsWith('.sources')) found.push(...parseDeb822Sources(file.text));
    else if (file.name.endsWith('.list')) found.push(...parseOneLineSources(file.text));
  }
  const debianUri = (uri: string) => /^https?:\/\//.test(uri) && /debian/.test(uri);
  const main = found.find((s) => debianUri(s.uri) && s.suites.some((x) => x === DEBIAN_SUITE));
  const security = found.find((s) => debianUri(s.uri) && s.suites.some((x) => x === `${DEBIAN_SUITE}-security`));
  return {
    mirror: main ? trimSlash(main.uri) : DEFAULT_MIRROR,
    securityMirror: security ? trimSlash(security.uri) : DEFAULT_SECURITY_MIRROR,
  };
}

function trimSlash(uri: string): string {
  return uri.replace(/\/+$/, '');
}

function parseOneLineSources(text: string): { uri: string; suites: string[] }[] {
  const out: { uri: string; suites: string[] }[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*$/, '').trim();
    // deb [options] uri suite components...
    const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (match) out.push({ uri: match[1]!, suites: [match[2]!] });
  }
  return out;
}

function parseDeb822Sources(text: string): { uri: string; suites: string[] }[] {
  const out: { uri: string; suites: string[] }[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const rawLine of stanza.split('\n')) {
      if (rawLine.startsWith('#')) continue;
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(rawLine);
      if (match) fields.set(match[1]!.toLowerCase(), match[2]!.trim());
    }
    const types = (fields.get('types') ?? '').split(/\s+/);
    if (!types.includes('deb') || fields.get('enabled')?.toLowerCase() === 'no') continue;
    const suites = (fields.get('suites') ?? '').split(/\s+/).filter(Boolean);
    for (const uri of (fields.get('uris') ?? '').split(/\s+/).filter(Boolean)) out.push({ uri, suites });
  }
  return out;
}

/** Keeps only proxy settings from the host's apt.conf.d files (never its other preferences). */
export function extractAptProxySettings(confFiles: { name: string; text: string }[]): string {
  const lines: string[] = [];
  for (const file of confFiles) {
    for (const line of file.text.split('\n')) {
      if (/^\s*Acquire::[a-z]+::Proxy/i.test(line)) lines.push(line.trim());
    }
  }
  return lines.length > 0 ? `// copied from the host's apt configuration by kbench\n${lines.join('\n')}\n` : '// no apt proxy on the host\n';
}

export interface TestbedInputs {
  suite: string;
  components: string;
  mirror: string;
  securityMirror: string;
  hostname: string;
  imageSize: string;
  basePackages: string[];
  kernelPackages: { stock: readonly string[]; custom: readonly string[] };
  zfsPackages: string[];
  builderScriptSha256: string;
  /** rootfs-lib.sh, which the builder script sources (the steps both Debian testbeds share). */
  builderLibSha256: string;
  tuningFileSha256: string;
  /** Rendered /etc/modprobe.d/zfs.conf and its helper: covers the renderer's logic too. */
  renderedTuningSha256: string;
}

export function testbedCacheKey(inputs: TestbedInputs): string {
  return sha256Hex(canonicalJson(inputs));
}
