/**
 * What a test suite needs from the machine it runs on. A suite whose needs are unmet is skipped,
 * and the reason is printed (vitest shows it as the file's stderr and in the suite name), so a run
 * on a Mac or without root says what it did not test instead of failing or passing silently.
 *
 * `npm run test:unit` (KBENCH_TEST_UNIT_ONLY=1) treats root, VMs, browsers, a local sshd and
 * the network as unmet on every machine: it runs what needs nothing but Node and a POSIX shell.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';

export type Need =
  /** Running as root (the testbed build: debootstrap, chroot, bind mounts; sshd switching users). */
  | 'root'
  /** A Linux host: tests that read the host's own /proc or run the Linux adapter on it. */
  | 'linux'
  /** qemu-system-x86_64 on an x86_64 host: booting the Debian testbed. */
  | 'qemu'
  /** debootstrap, to build the testbed image when it is not cached (and Debian's mirrors). */
  | 'debootstrap'
  /** OpenSSH's server at /usr/sbin/sshd and ssh-keygen, for a real sshd on loopback. */
  | 'sshd'
  /** Chromium at /usr/bin/chromium for the report tests in a real browser. */
  | 'chromium'
  /** The OpenSSH client (`ssh -G` resolves host aliases); no server, no network. */
  | 'ssh'
  /** sudo, useradd and runuser: a local non-root login like Lima's (passwordless sudo). */
  | 'sudo';

const UNIT_ONLY_EXCLUDES: ReadonlySet<Need> = new Set(['root', 'qemu', 'debootstrap', 'sshd', 'chromium', 'sudo']);

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

const checks: Record<Need, () => string | null> = {
  root: () => (process.getuid?.() === 0 ? null : 'needs root'),
  linux: () => (process.platform === 'linux' ? null : `needs a Linux host (this is ${process.platform})`),
  qemu: () =>
    process.arch !== 'x64'
      ? `needs an x86_64 host for the amd64 testbed (this is ${process.arch})`
      : onPath('qemu-system-x86_64')
        ? null
        : 'needs qemu-system-x86_64 on PATH',
  debootstrap: () => (onPath('debootstrap') ? null : 'needs debootstrap on PATH'),
  sshd: () => (existsSync('/usr/sbin/sshd') && onPath('ssh-keygen') ? null : 'needs /usr/sbin/sshd and ssh-keygen (OpenSSH server)'),
  chromium: () => (existsSync('/usr/bin/chromium') ? null : 'needs Chromium at /usr/bin/chromium'),
  ssh: () => (onPath('ssh') ? null : 'needs the OpenSSH client (ssh) on PATH'),
  sudo: () => (['sudo', 'useradd', 'runuser'].every(onPath) ? null : 'needs sudo, useradd and runuser on PATH (apt-get install sudo)'),
};

/** Why these needs are not met here, or null when they all are. */
export function unmetNeeds(needs: readonly Need[]): string | null {
  if (process.env.KBENCH_TEST_UNIT_ONLY === '1') {
    const excluded = needs.filter((need) => UNIT_ONLY_EXCLUDES.has(need));
    if (excluded.length > 0) return `npm run test:unit skips what needs ${excluded.join(', ')}`;
  }
  const reasons = needs.map((need) => checks[need]()).filter((reason): reason is string => reason !== null);
  return reasons.length === 0 ? null : reasons.join('; ');
}

const announced = new Set<string>();

/** The reason these needs are unmet (printed once per reason per file), or null. */
function announceSkip(needs: readonly Need[]): string | null {
  const reason = unmetNeeds(needs);
  if (reason !== null && !announced.has(reason)) {
    announced.add(reason);
    process.stderr.write(`skipped: ${reason}\n`);
  }
  return reason;
}

/** describe() that runs only where `needs` are met, and otherwise says why it was skipped. */
export function describeNeeding(needs: readonly Need[], name: string, body: () => void): void {
  const reason = announceSkip(needs);
  describe.skipIf(reason !== null)(reason === null ? name : `${name} [skipped: ${reason}]`, body);
}

/** it() that runs only where `needs` are met, and otherwise says why it was skipped. */
export function itNeeding(needs: readonly Need[], name: string, body: () => unknown, timeoutMs?: number): void {
  const reason = announceSkip(needs);
  it.skipIf(reason !== null)(reason === null ? name : `${name} [skipped: ${reason}]`, body, timeoutMs);
}
