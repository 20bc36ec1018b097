/**
 * The HTTP side of OpenBSD's autoinstall(8): with DHCP filename `auto_install`, the installer asks
 * the next-server (under qemu's user network: the host, 10.0.2.2, reached on the host's loopback)
 * for http://server/MAC_address-install.conf, then hostname-install.conf, then install.conf.
 * kbench answers every such path with the one response file and 404 for anything else; each
 * request is recorded, so a boot that never asked is reported as such.
 */
import { createServer, type Server } from 'node:http';
import { KbenchError } from '../../../errors/index.ts';

export interface ResponseServer {
  port: number;
  /** Paths asked for, in order, with the status given. */
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

/** Pure: whether `path` is one the installer asks for (autoinstall(8) "FETCHING THE RESPONSE FILE"). */
export function isInstallConfPath(path: string): boolean {
  return /^\/(?:[0-9a-f]{2}(?::[0-9a-f]{2}){5}-|[A-Za-z0-9.-]{1,63}-)?install\.conf$/.test(path);
}

export async function startResponseServer(responseFile: string, port: number, host = '127.0.0.1'): Promise<ResponseServer> {
  const requests: ResponseServer['requests'] = [];
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const ok = request.method === 'GET' && isInstallConfPath(path);
    requests.push({ path, status: ok ? 200 : 404 });
    response.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain' });
    response.end(ok ? responseFile : 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EACCES' ? 'port 80 needs root on Linux (macOS allows it)' : error.code === 'EADDRINUSE' ? 'another server has it' : error.message;
      reject(new KbenchError(`cannot serve OpenBSD's install.conf on ${host}:${port}: ${why}`, 3));
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
