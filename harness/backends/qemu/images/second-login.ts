/**
 * A second login like the one Lima gives its guests, added over root's SSH right after a boot
 * (KBENCH_GUEST_USER): kbench then reaches the guest as that unprivileged user, the way it does
 * under Lima, and every ZFS command must go through sudo (harness/ssh/session.ts).
 *
 * What Lima does, from lima-vm/lima: pkg/cidata/cidata.TEMPLATE.d/user-data gives the user
 * `shell: /bin/bash`, `sudo: ALL=(ALL) NOPASSWD:ALL`, `lock_passwd: true` and the host's keys;
 * without cloud-init boot/02-wsl2-setup.sh does the same with useradd and
 * /etc/sudoers.d/99_lima_sudoers. The login profile here adds what FreeBSD's skeleton .profile
 * does (`fortune freebsd-tips`, lima's hack/bats/extras/freebsd.bats FIXME): a line on stdout and
 * one on stderr at every login, so a result that carries it fails its parser.
 *
 * The image stays as built (its cache key is unchanged): the Debian testbed has no sudo, so it is
 * installed from the image's own apt sources when missing, which needs the guest's network.
 */
import { InputError, showValue } from '../../../errors/index.ts';

/** The line the login profile prints on stdout (and, with "motd:", on stderr). */
export const LOGIN_NOISE = 'fortune: Nothing is impossible for the man who does not have to do it himself.';

const USER_NAME = /^[a-z_][a-z0-9_-]{0,30}$/;

/** KBENCH_GUEST_USER: null when unset or root (the image's own login), else a validated user name. */
export function parseGuestUser(value: string | undefined): string | null {
  if (value === undefined || value === '' || value === 'root') return null;
  if (!USER_NAME.test(value))
    throw new InputError(`environment KBENCH_GUEST_USER: expected a user name like lima ([a-z_][a-z0-9_-]*), got ${showValue(value)}`);
  return value;
}

/** Root shell lines (POSIX sh, idempotent) that make `user` a Lima-like login on a Debian guest with root's authorized key. */
export function debianSecondLoginScript(user: string): string {
  if (!USER_NAME.test(user)) throw new RangeError(`not a user name: ${user}`);
  const home = `/home/${user}`;
  const noise = `echo '${LOGIN_NOISE}'; echo 'motd: kbench second login (stderr)' >&2`;
  return [
    'set -e',
    `id -u ${user} >/dev/null 2>&1 || useradd -m -s /bin/bash ${user}`,
    // Key only, like lock_passwd: "*" is no password, and OpenSSH does not treat it as a locked account.
    `usermod -p '*' ${user}`,
    `install -d -m 700 -o ${user} -g ${user} ${home}/.ssh`,
    `install -m 600 -o ${user} -g ${user} /root/.ssh/authorized_keys ${home}/.ssh/authorized_keys`,
    'command -v sudo >/dev/null 2>&1 || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sudo >/dev/null; }',
    `echo '${user} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/99_kbench_${user.replace(/-/g, '_')}`,
    `chmod 440 /etc/sudoers.d/99_kbench_${user.replace(/-/g, '_')}`,
    // .profile for login shells (limactl shell runs $SHELL -l -c), .bashrc for the non-interactive bash sshd starts.
    `printf '%s\\n' ${shellSingle(noise)} > ${home}/.profile`,
    `printf '%s\\n' ${shellSingle(noise)} > ${home}/.bashrc`,
    `chown ${user}:${user} ${home}/.profile ${home}/.bashrc`,
  ].join('\n');
}

function shellSingle(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
