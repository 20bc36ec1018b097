import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { debianSecondLoginScript, parseGuestUser } from '../../harness/backends/qemu/images/second-login.ts';
import { imageProvider } from '../../harness/backends/qemu/images/index.ts';

describe('KBENCH_GUEST_USER', () => {
  it('unset, empty or root keep the image login; a user name is taken; anything else is one line', () => {
    expect(parseGuestUser(undefined)).toBeNull();
    expect(parseGuestUser('')).toBeNull();
    expect(parseGuestUser('root')).toBeNull();
    expect(parseGuestUser('lima')).toBe('lima');
    expect(() => parseGuestUser('lima; reboot')).toThrow(/^environment KBENCH_GUEST_USER: expected a user name like lima .*, got "lima; reboot"$/);
    expect(() => parseGuestUser('Lima')).toThrow(/KBENCH_GUEST_USER/);
  });

  it('only the Debian images say they can add a login', () => {
    expect(imageProvider('debian-testbed')!.addsLogins).toBe(true);
    expect(imageProvider('freebsd-cloudinit')!.addsLogins).toBeFalsy();
  });

  it('the root script is valid sh, idempotent in form, and gives NOPASSWD sudo plus a chatty profile', () => {
    const script = debianSecondLoginScript('lima');
    execFileSync('sh', ['-n', '-c', script]);
    expect(script).toMatch(/^id -u lima >\/dev\/null 2>&1 \|\| useradd -m -s \/bin\/bash lima$/m);
    expect(script).toContain("echo 'lima ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/99_kbench_lima");
    expect(script).toMatch(/> \/home\/lima\/\.profile$/m);
    expect(script).toMatch(/> \/home\/lima\/\.bashrc$/m);
    expect(() => debianSecondLoginScript('x y')).toThrow(RangeError);
  });
});
