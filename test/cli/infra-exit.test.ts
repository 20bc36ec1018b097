/**
 * Infrastructure failures end a run with exit 3 and keep the evidence. Uses the real ssh backend
 * against real loopback sockets (no VM): a port that refuses, and one that accepts but never
 * speaks SSH (a hung machine). What this does not show: a QEMU guest that never reaches SSH
 * (that path needs a VM; the engine treats its InfraError the same way, and it keeps its
 * 300 s boot patience).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kbench, workdir } from '../helpers/cli.ts';

function machine(dir: string, port: number): Record<string, string> {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'key')]);
  writeFileSync(path.join(dir, 'known_hosts'), '');
  return { KBENCH_SSH_TARGET: `kb@127.0.0.1:${port}`, KBENCH_SSH_KEY: path.join(dir, 'key'), KBENCH_SSH_KNOWN_HOSTS: path.join(dir, 'known_hosts') };
}

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

async function refusingPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function expectEvidence(dir: string, stderr: string): void {
  const out = path.join(dir, 'out');
  expect(readdirSync(out).sort()).toEqual(['logs', 'results.json']);
  const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  expect(results).toMatchObject({ kind: 'run', complete: false, completedUnits: [], settings: { backend: 'ssh' } });
  expect(existsSync(path.join(out, 'results.json.lock'))).toBe(false);
  const last = stderr.trimEnd().split('\n').at(-1)!;
  expect(last).toMatch(
    /^kbench: stock kernel, round 1: 3 boot attempts failed, the last with: ssh kb@127\.0\.0\.1:\d+: no connection within 6\.0 s \(last error: .*\); results so far: out\/results\.json \(continue with kbench run --resume out\/results\.json\); logs: .*\/out\/logs$/,
  );
}

describe.concurrent('an unreachable existing machine (--backend ssh)', { timeout: 240_000 }, () => {
  it('whose port refuses: exit 3 within 30 s, the reason named, results and logs kept', async () => {
    const dir = workdir();
    const result = await kbench(dir, ['run', '--backend', 'ssh', '--out', 'out/results.json', '--no-report'], machine(dir, await refusingPort()));
    console.log(
      `unreachable ssh machine (port refuses): exit ${result.code} after ${(result.ms / 1000).toFixed(1)} s; kept: ${readdirSync(path.join(dir, 'out')).join(', ')}`,
    );
    expect(result.code).toBe(3);
    expect(result.ms).toBeLessThan(30_000);
    expect(result.stderr).toMatch(/ECONNREFUSED/);
    expect(result.stderr.match(/failure: boot failed: /g)).toHaveLength(3);
    expectEvidence(dir, result.stderr);
  });

  it('that accepts and never answers: exit 3 within 30 s too', async () => {
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    const port = await listen(server);
    try {
      const dir = workdir();
      const result = await kbench(dir, ['run', '--backend', 'ssh', '--out', 'out/results.json', '--no-report'], machine(dir, port));
      expect(result.code).toBe(3);
      expect(result.ms).toBeLessThan(30_000);
      expectEvidence(dir, result.stderr);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});
