/** The guest OS label comes from the guest: an adapter refuses a machine running another OS. */
import { describe, expect, it } from 'vitest';
import { identityMismatch } from '../../harness/guest/common/facts.ts';
import { fixture } from './fixtures.ts';

describe('identityMismatch (uname -s + /etc/os-release)', () => {
  it('accepts the OS the adapter drives, on recorded and reconstructed os-release files', () => {
    expect(identityMismatch('debian', 'Linux\n', fixture('linux', 'testbed/os-release.txt'))).toBeNull();
    expect(identityMismatch('debian', 'Linux', fixture('linux', 'os-release.debian12.host.txt'))).toBeNull();
    expect(identityMismatch('alpine', 'Linux', fixture('linux', 'os-release.alpine.txt'))).toBeNull();
    expect(identityMismatch('freebsd', 'FreeBSD\n', '')).toBeNull();
    // Debian derivatives say so in ID_LIKE.
    expect(identityMismatch('debian', 'Linux', 'ID=ubuntu\nID_LIKE=debian\n')).toBeNull();
  });

  it('names what the guest really is', () => {
    expect(identityMismatch('debian', 'Linux', fixture('linux', 'os-release.alpine.txt'))).toBe("the guest's /etc/os-release says ID=alpine, not debian");
    expect(identityMismatch('freebsd', 'Linux', fixture('linux', 'testbed/os-release.txt'))).toBe('the guest\'s uname -s is "Linux", not FreeBSD');
    expect(identityMismatch('alpine', 'NetBSD', '')).toBe('the guest\'s uname -s is "NetBSD", not Linux');
  });
});
