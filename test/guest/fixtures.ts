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
