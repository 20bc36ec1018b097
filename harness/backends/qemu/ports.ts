/** Host-side ports for qemu's user-network forwards: the measured boots and the one-time setup and install boots. */
import { createServer } from 'node:net';

/** A loopback port nobody listens on right now (qemu may still lose a race for it: see boot). */
export function findFreeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free loopback port'))));
    });
  });
}
