/**
 * Official images into the cache: download to a .part file while hashing, compare with the
 * published checksum, then rename; a cached file is re-hashed before reuse. Decompression and
 * the checksum-list parser are here too, so every provider fetches the same way.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { err, KbenchError, ok, showValue, type Result } from '../../../errors/index.ts';
import { spawnTracked } from '../children.ts';

export type HashAlgorithm = 'sha256' | 'sha512';
const HEX_LENGTH: Record<HashAlgorithm, number> = { sha256: 64, sha512: 128 };

/**
 * A published checksum list, both layouts: BSD `SHA256 (name) = hex` (FreeBSD CHECKSUM.SHA256,
 * NetBSD SHA512 files) and GNU `hex  name` / `hex *name` (sha256sum). Returns name -> hex.
 */
export function parseChecksumList(text: string, algorithm: HashAlgorithm, source: string): Result<Map<string, string>> {
  const sums = new Map<string, string>();
  const hex = `[0-9a-fA-F]{${HEX_LENGTH[algorithm]}}`;
  const bsd = new RegExp(`^${algorithm.toUpperCase()} \\((.+)\\) = (${hex})$`);
  const gnu = new RegExp(`^(${hex}) [ *](.+)$`);
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const b = bsd.exec(line);
    const g = b ? null : gnu.exec(line);
    if (b) sums.set(b[1]!, b[2]!.toLowerCase());
    else if (g) sums.set(g[2]!, g[1]!.toLowerCase());
    else if (/^[A-Z0-9]+ \(/.test(line) && !line.startsWith(`${algorithm.toUpperCase()} (`))
      continue; // another algorithm's line in a mixed list
    else return err(`${source} line ${index + 1}: not a ${algorithm} checksum line: ${showValue(line)}`);
  }
  return ok(sums);
}

export async function hashFile(file: string, algorithm: HashAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

export interface FetchOptions {
  url: string;
  dest: string;
  algorithm: HashAlgorithm;
  expected: string;
  onProgress(message: string): void;
}

/** Downloads `url` to `dest` unless a file with the expected hash is already there. */
export async function fetchVerified(options: FetchOptions): Promise<string> {
  const expected = options.expected.toLowerCase();
  if (
    await fs.stat(options.dest).then(
      (s) => s.isFile(),
      () => false,
    )
  ) {
    if ((await hashFile(options.dest, options.algorithm)) === expected) return options.dest;
    options.onProgress(`${options.dest}: cached copy does not match its ${options.algorithm}; fetching it again`);
  }
  await fs.mkdir(path.dirname(options.dest), { recursive: true });
  const part = `${options.dest}.part`;
  const response = await fetch(options.url).catch((error: Error) => {
    throw new KbenchError(`fetch ${options.url}: ${error.message}`, 3);
  });
  if (!response.ok || response.body === null) throw new KbenchError(`fetch ${options.url}: HTTP ${response.status}`, 3);
  const total = Number(response.headers.get('content-length') ?? 0);
  const hash = createHash(options.algorithm);
  let received = 0;
  let lastShown = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      received += chunk.length;
      if (received - lastShown >= 64 * 1024 * 1024) {
        lastShown = received;
        options.onProgress(`${path.basename(options.dest)}: ${Math.round(received / 1048576)} MiB${total > 0 ? ` of ${Math.round(total / 1048576)} MiB` : ''}`);
      }
      callback(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), meter, createWriteStream(part));
  const actual = hash.digest('hex');
  if (actual !== expected) {
    await fs.rm(part, { force: true });
    throw new KbenchError(`${options.url}: ${options.algorithm} ${actual} does not match the published ${expected}; nothing kept`, 3);
  }
  await fs.rename(part, options.dest);
  return options.dest;
}

/** Fetches a published checksum list and returns the entry for `name`. */
export async function publishedChecksum(listUrl: string, name: string, algorithm: HashAlgorithm): Promise<string> {
  const response = await fetch(listUrl).catch((error: Error) => {
    throw new KbenchError(`fetch ${listUrl}: ${error.message}`, 3);
  });
  if (!response.ok) throw new KbenchError(`fetch ${listUrl}: HTTP ${response.status}`, 3);
  const parsed = parseChecksumList(await response.text(), algorithm, listUrl);
  if (!parsed.ok) throw new KbenchError(parsed.error, 3);
  const sum = parsed.value.get(name);
  if (sum === undefined) throw new KbenchError(`${listUrl}: no ${algorithm} for ${name}`, 3);
  return sum;
}

/** `.gz` with zlib, `.xz` with the xz tool (kbench doctor checks for it); the result is written once. */
export async function decompressOnce(source: string, dest: string): Promise<string> {
  if (
    await fs.stat(dest).then(
      (s) => s.isFile(),
      () => false,
    )
  )
    return dest;
  const part = `${dest}.part`;
  if (source.endsWith('.gz')) {
    await pipeline(createReadStream(source), createGunzip(), createWriteStream(part));
  } else if (source.endsWith('.xz')) {
    const child = spawnTracked('xz', ['-dc', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | string>((resolve) => {
      child.once('error', (error) => resolve(error.message));
      child.once('close', (code) => resolve(code ?? 1));
    });
    await pipeline(child.stdout!, createWriteStream(part));
    const code = await exited;
    if (code !== 0) throw new KbenchError(`xz -dc ${source} failed: ${stderr.trim() || code} (install xz: brew install xz / apt-get install xz-utils)`, 3);
  } else {
    throw new KbenchError(`${source}: unknown compression (expected .gz or .xz)`, 3);
  }
  await fs.rename(part, dest);
  return dest;
}

/** ${KBENCH_CACHE:-~/.cache/kbench}. */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.KBENCH_CACHE || path.join(env.HOME ?? '.', '.cache', 'kbench');
}
