import { expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../fixtures/guest/', import.meta.url));

/** Path of a guest fixture, e.g. fixturePath('linux', 'meminfo.host.txt'). */
export function fixturePath(os: string, name: string): string {
  return `${FIXTURES}${os}/${name}`;
}

export function fixture(os: string, name: string): string {
  return readFileSync(fixturePath(os, name), 'utf8');
}

/** The error a promise rejects with; fails the test when it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Each text is refused by `parse` (an `{ ok: false }` result); a failure names the text. */
export function expectRefused(parse: (text: string) => { ok: boolean }, texts: readonly string[]): void {
  for (const text of texts) expect(parse(text).ok, `accepted ${JSON.stringify(text)}`).toBe(false);
}
