/**
 * What the kept shell saves per command: kept-shell exec of a builtin (`:`) and of `/bin/true`
 * against a fresh exec channel per command (ssh2 channel open + login shell start each time).
 * Runs against a throwaway loopback sshd (test/helpers/sshd.ts), so it needs root.
 *
 *   node --import tsx bench/ssh-roundtrip.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { SshSession } from '../harness/ssh/session.ts';
import { startSshd } from '../test/helpers/sshd.ts';

async function main(): Promise<void> {
  const sshd = await startSshd();
  const scratch = mkdtempSync(join(tmpdir(), 'kbench-ssh-bench-'));
  const session = await SshSession.connect({
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    privateKeyPath: sshd.privateKeyPath,
    hostKeyPolicy: { kind: 'pin-on-first-contact', pinFile: join(scratch, 'pins.json') },
  });
  try {
    const expectSuccess = (code: number): void => {
      if (code !== 0) throw new Error(`benchmark command exited ${code}`);
    };
    const bench = new Bench({ name: 'ssh round trip (loopback OpenSSH)', time: 3_000, warmupTime: 300 });
    bench
      .add('kept shell: builtin `:`', async () => expectSuccess((await session.exec(':')).code))
      .add('kept shell: /bin/true', async () => expectSuccess((await session.exec('/bin/true')).code))
      .add('new exec channel per command: /bin/true', async () => expectSuccess((await session.execLong('/bin/true')).code));
    await bench.run();

    console.log(`${bench.name}, ${new Date().toISOString()}`);
    console.table(bench.table());
    const medianOf = (name: string): number => {
      const result = bench.getTask(name)?.result;
      if (!result || !('latency' in result)) throw new Error(`no result for ${name}`);
      return result.latency.p50;
    };
    const kept = medianOf('kept shell: /bin/true');
    const fresh = medianOf('new exec channel per command: /bin/true');
    console.log(`median /bin/true: kept shell ${kept.toFixed(3)} ms, new channel ${fresh.toFixed(3)} ms (${(fresh / kept).toFixed(1)}x)`);
    console.log(`measureRoundTripMs(): ${(await session.measureRoundTripMs()).toFixed(3)} ms`);
    console.log(`channels opened by the session: ${JSON.stringify(session.channelCounts)}`);
  } finally {
    await session.close();
    await sshd.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
