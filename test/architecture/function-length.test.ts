/**
 * No function in harness/, suites/ or custom-os/ runs over MAX_LINES (120) lines unless a comment
 * right above it says why, starting `// long because:` (or a JSDoc line ` * long because:`). What
 * counts as a function and how it is measured: ./function-length.ts.
 */
import { describe, expect, it } from 'vitest';
import { allLongFunctions, longFunctions, MAX_LINES, sourceFiles } from './function-length.ts';

describe(`functions over ${MAX_LINES} lines`, () => {
  it('have a reason written above them', () => {
    const unexplained = allLongFunctions()
      .filter((fn) => !fn.reason)
      .map((fn) => `${fn.where} ${fn.name} (${fn.lines} lines)`);
    expect(unexplained).toEqual([]);
  });

  it('are measured (the check is not vacuous)', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const long = `export function big() {\n${body(MAX_LINES)}\n}\n`;
    expect(longFunctions('x.ts', long)).toEqual([{ where: 'x.ts:1', name: 'big', lines: MAX_LINES + 2, reason: false }]);
    expect(longFunctions('x.ts', `// long because: one table\n${long}`)[0]!.reason).toBe(true);
    expect(longFunctions('x.ts', `/**\n * Builds it.\n * long because: one table\n */\n${long}`)[0]!.reason).toBe(true);
    expect(longFunctions('x.ts', `// just long\n${long}`)[0]!.reason).toBe(false);
    const arrow = `export const make = () => {\n${body(MAX_LINES)}\n};\n`;
    expect(longFunctions('x.ts', arrow).map((fn) => fn.name)).toEqual(['make']);
    expect(longFunctions('x.ts', `export function small() {\n${body(MAX_LINES - 2)}\n}\n`)).toEqual([]);
    expect(sourceFiles('harness').length).toBeGreaterThan(150);
  });
});
