/**
 * OpenBSD's autoinstall exchange against the real qemu: the user network of the exact install
 * argument set (autoinstallQemuArgs) is asked for a DHCP lease by a client on a qemu hub (a
 * socket netdev kbench's test drives with raw Ethernet frames), and must offer filename
 * `auto_install` with next-server 10.0.2.2 (the host); then the response server answers the
 * paths autoinstall(8) asks for. The installer itself cannot be downloaded here: not booted.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageProvider } from '../../harness/backends/qemu/images/index.ts';
import { AUTOINSTALL_PROMPT, openbsdResponseFile, openbsdUrls } from '../../harness/backends/qemu/images/openbsd-autoinstall.ts';
import { autoinstallQemuArgs } from '../../harness/backends/qemu/images/openbsd-install-run.ts';
import { isInstallConfPath, startResponseServer } from '../../harness/backends/qemu/images/response-server.ts';
import { itNeeding } from '../helpers/needs.ts';
import { freePort } from '../helpers/sshd.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kbench-openbsd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpenbsdAutoinstallTestKeyXXXXXXXXXXXXXXXXX kbench';
const MAC = Buffer.from([0x52, 0x54, 0x00, 0x12, 0x34, 0x99]);

function ipChecksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** A DHCPDISCOVER as an Ethernet frame (RFC 2131 layout, broadcast flag set). */
function dhcpDiscover(xid: number): Buffer {
  const bootp = Buffer.alloc(300);
  bootp.writeUInt8(1, 0); // op BOOTREQUEST
  bootp.writeUInt8(1, 1); // htype Ethernet
  bootp.writeUInt8(6, 2); // hlen
  bootp.writeUInt32BE(xid, 4);
  bootp.writeUInt16BE(0x8000, 10);
  MAC.copy(bootp, 28);
  bootp.writeUInt32BE(0x63825363, 236);
  Buffer.from([53, 1, 1, 255]).copy(bootp, 240);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(68, 0);
  udp.writeUInt16BE(67, 2);
  udp.writeUInt16BE(8 + bootp.length, 4);
  const ip = Buffer.alloc(20);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(20 + udp.length + bootp.length, 2);
  ip.writeUInt8(64, 8);
  ip.writeUInt8(17, 9);
  Buffer.from([255, 255, 255, 255]).copy(ip, 16);
  ip.writeUInt16BE(ipChecksum(ip), 10);
  const ethernet = Buffer.concat([Buffer.alloc(6, 0xff), MAC, Buffer.from([0x08, 0x00])]);
  return Buffer.concat([ethernet, ip, udp, bootp]);
}

/** qemu's socket netdev: each frame prefixed by its length, 32-bit big-endian. */
function readFrames(socket: Socket, onFrame: (frame: Buffer) => void): void {
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
      const length = pending.readUInt32BE(0);
      onFrame(pending.subarray(4, 4 + length));
      pending = pending.subarray(4 + length);
    }
  });
}

describe('OpenBSD autoinstall', () => {
  it('the response file answers the installer questions kbench relies on, and refuses hostile input', () => {
    const text = openbsdResponseFile(KEY, 'sd1');
    expect(text).toContain(`Public ssh key for root account = ${KEY}\n`);
    expect(text).toContain('Allow root ssh login = prohibit-password\n');
    expect(text).toContain('Start sshd(8) by default = yes\n');
    expect(text).toContain('Which disk is the root disk = sd1\n');
    expect(text).toContain('Password for root account = *************\n');
    expect(() => openbsdResponseFile(`${KEY}\nSetup a user = evil`, 'sd1')).toThrow(RangeError);
    expect(() => openbsdResponseFile(KEY, 'sd1; reboot')).toThrow(RangeError);
    expect(AUTOINSTALL_PROMPT).toBe('(I)nstall, (U)pgrade, (A)utoinstall or (S)hell?');
    expect(openbsdUrls('aarch64')).toEqual({
      image: 'https://cdn.openbsd.org/pub/OpenBSD/7.8/arm64/miniroot78.img',
      checksums: 'https://cdn.openbsd.org/pub/OpenBSD/7.8/arm64/SHA256',
      file: 'miniroot78.img',
    });
  });

  it('--plan names the image, the key path and the boot; custom kernels are refused in one line', () => {
    const provider = imageProvider('openbsd-autoinstall')!;
    expect(provider.source).toMatch(
      /^OpenBSD 7\.8 https:\/\/cdn\.openbsd\.org\/pub\/OpenBSD\/7\.8\/\{arm64,amd64\}\/miniroot78\.img, the host's arch \(SHA-256 from SHA256 beside it\), installed once by autoinstall\(8\).*bootfile=auto_install$/,
    );
    expect(provider.bootOf('stock')).toMatch(/ssh root with .*images\/openbsd\/7\.8\/<arch>\/ssh\/id_ed25519$/);
    expect(provider.supports(['stock'], 'x86_64')).toEqual({ ok: true });
    expect(provider.supports(['custom'], 'x86_64')).toMatchObject({ ok: false, reason: expect.stringMatching(/^qemu cannot hand OpenBSD a custom kernel/) });
  });

  it('the response server answers exactly the paths autoinstall(8) tries', async () => {
    expect(['/52:54:00:12:34:56-install.conf', '/kbench-openbsd-install.conf', '/install.conf'].every(isInstallConfPath)).toBe(true);
    expect(['/../etc/passwd', '/upgrade.conf', '/install.conf/x', '/'].some(isInstallConfPath)).toBe(false);
    const server = await startResponseServer('Setup a user = no\n', 0);
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect(await (await fetch(`${base}/52:54:00:12:34:56-install.conf`)).text()).toBe('Setup a user = no\n');
      expect((await fetch(`${base}/secret`)).status).toBe(404);
      expect(server.requests).toEqual([
        { path: '/52:54:00:12:34:56-install.conf', status: 200 },
        { path: '/secret', status: 404 },
      ]);
    } finally {
      await server.close();
    }
  });

  itNeeding(
    ['qemu'],
    "the install boot's user network offers filename auto_install with next-server 10.0.2.2 (real qemu, DHCP over a hub)",
    async () => {
      const miniroot = path.join(dir, 'miniroot.img');
      writeFileSync(miniroot, Buffer.alloc(1 << 20));
      const disk = path.join(dir, 'disk.raw');
      writeFileSync(disk, Buffer.alloc(1 << 20));
      const { binary, args } = autoinstallQemuArgs({ arch: 'x86_64', boot: { kind: 'bios-disk' }, miniroot, disk: disk }, await freePort(), 'tcg');
      const netdev = args[args.indexOf('-netdev') + 1]!;
      expect(netdev).toMatch(/^user,id=net0,hostfwd=tcp:127\.0\.0\.1:\d+-:22,bootfile=auto_install$/);
      // The same user netdev, wired to a hub with a socket port instead of the guest NIC (not paused: qemu holds packets while stopped); the disks are raw here.
      const device = args.indexOf('-device');
      const wired = [...args.slice(0, device), ...args.slice(device + 2)].map((arg) => arg.replace('format=qcow2', 'format=raw'));
      const socketPort = await freePort();
      wired.push(
        '-netdev',
        'hubport,id=hp0,hubid=0,netdev=net0',
        '-netdev',
        `socket,id=sock,listen=127.0.0.1:${socketPort}`,
        '-netdev',
        'hubport,id=hp1,hubid=0,netdev=sock',
      );
      const child = spawn(
        binary,
        wired.map((arg) => (arg === 'stdio' ? 'null' : arg)),
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      try {
        let socket: Socket | null = null;
        for (let i = 0; i < 50 && socket === null; i += 1) {
          socket = await new Promise<Socket | null>((resolve) => {
            const attempt = connect(socketPort, '127.0.0.1');
            attempt.once('connect', () => resolve(attempt));
            attempt.once('error', () => resolve(null));
          });
          if (socket === null) await new Promise((r) => setTimeout(r, 100));
        }
        expect(socket, stderr).not.toBeNull();
        const offer = await new Promise<Buffer>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no DHCP offer: ${stderr}`)), 10_000);
          readFrames(socket!, (frame) => {
            if (frame.readUInt16BE(12) !== 0x0800 || frame[14 + 9] !== 17 || frame.readUInt16BE(14 + 20) !== 67) return;
            clearTimeout(timer);
            resolve(frame.subarray(14 + 20 + 8));
          });
          const discover = dhcpDiscover(0x6b62656e);
          const length = Buffer.alloc(4);
          length.writeUInt32BE(discover.length);
          socket!.write(Buffer.concat([length, discover]));
        });
        socket!.destroy();
        expect(offer.readUInt32BE(4)).toBe(0x6b62656e);
        expect([...offer.subarray(16, 20)].join('.')).toBe('10.0.2.15'); // yiaddr
        expect([...offer.subarray(20, 24)].join('.')).toBe('10.0.2.2'); // siaddr = next-server
        expect(offer.subarray(108, 236).toString('latin1').replace(/\0+$/, '')).toBe('auto_install');
      } finally {
        child.kill('SIGKILL');
      }
    },
    30_000,
  );
});
