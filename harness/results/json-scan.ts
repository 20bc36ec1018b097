/**
 * A strict JSON syntax check that runs before JSON.parse, in one pass and without recursion:
 * it bounds the nesting depth (100k nested brackets would overflow the stack of anything that
 * walks the parsed value) and locates a syntax error by line and column, so that the error line
 * never has to quote the file's text the way JSON.parse's own messages do. Pure.
 */

export type JsonScan = { ok: true } | { ok: false; offset: number; reason: string };

const enum State {
  Value,
  Key,
  Colon,
  After,
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const ESCAPABLE = new Set([34, 92, 47, 98, 102, 110, 114, 116]); // " \ / b f n r t

/** Index just past the string starting at `start` (a quote), or a negative -(offset+1) of the fault. */
function scanString(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    if (i >= text.length) return -(i + 1);
    const c = text.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c < 0x20) return -(i + 1);
    if (c === 92) {
      const next = text.charCodeAt(i + 1);
      if (next === 117) {
        for (let k = 2; k < 6; k++) if (!isHex(text.charCodeAt(i + k))) return -(i + k + 1);
        i += 6;
      } else if (ESCAPABLE.has(next)) i += 2;
      else return -(i + 2);
    } else i++;
  }
}

function scanNumber(text: string, start: number): number {
  let i = start;
  if (text.charCodeAt(i) === 45) i++;
  if (text.charCodeAt(i) === 48) i++;
  else if (isDigit(text.charCodeAt(i))) while (isDigit(text.charCodeAt(i))) i++;
  else return -(i + 1);
  if (text.charCodeAt(i) === 46) {
    i++;
    if (!isDigit(text.charCodeAt(i))) return -(i + 1);
    while (isDigit(text.charCodeAt(i))) i++;
  }
  if (text.charCodeAt(i) === 101 || text.charCodeAt(i) === 69) {
    i++;
    if (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45) i++;
    if (!isDigit(text.charCodeAt(i))) return -(i + 1);
    while (isDigit(text.charCodeAt(i))) i++;
  }
  return i;
}

export function scanJson(text: string, maxDepth: number): JsonScan {
  const isObject = new Uint8Array(maxDepth + 1);
  let depth = 0;
  let state = State.Value;
  let mayClose = false;
  let i = 0;
  const fail = (offset: number, reason: string): JsonScan => ({ ok: false, offset, reason });
  for (;;) {
    let c = text.charCodeAt(i);
    while (c === 32 || c === 9 || c === 10 || c === 13) c = text.charCodeAt(++i);
    if (i >= text.length) return depth === 0 && state === State.After ? { ok: true } : fail(i, 'unexpected end of the text');
    switch (state) {
      case State.Value: {
        if (c === 123 || c === 91) {
          if (depth === maxDepth) return fail(i, `nested deeper than ${maxDepth} levels`);
          isObject[++depth] = c === 123 ? 1 : 0;
          state = c === 123 ? State.Key : State.Value;
          mayClose = true;
          i++;
          continue;
        }
        if (c === 93 && mayClose && isObject[depth] === 0) {
          depth--;
          state = State.After;
          i++;
          continue;
        }
        let end: number;
        if (c === 34) end = scanString(text, i);
        else if (c === 45 || isDigit(c)) end = scanNumber(text, i);
        else if (text.startsWith('true', i)) end = i + 4;
        else if (text.startsWith('false', i)) end = i + 5;
        else if (text.startsWith('null', i)) end = i + 4;
        else return fail(i, 'expected a value');
        if (end < 0) return fail(-end - 1, c === 34 ? 'bad string (unescaped control character, bad escape or no closing quote)' : 'bad number');
        i = end;
        state = State.After;
        continue;
      }
      case State.Key: {
        if (c === 125 && mayClose) {
          depth--;
          state = State.After;
          i++;
          continue;
        }
        if (c !== 34) return fail(i, 'expected a property name in double quotes');
        const end = scanString(text, i);
        if (end < 0) return fail(-end - 1, 'bad string (unescaped control character, bad escape or no closing quote)');
        i = end;
        state = State.Colon;
        continue;
      }
      case State.Colon:
        if (c !== 58) return fail(i, "expected ':'");
        i++;
        state = State.Value;
        mayClose = false;
        continue;
      case State.After:
        if (depth === 0) return fail(i, 'unexpected text after the end of the JSON value');
        if (c === 44) {
          state = isObject[depth] === 1 ? State.Key : State.Value;
          mayClose = false;
          i++;
          continue;
        }
        if ((c === 93 && isObject[depth] === 0) || (c === 125 && isObject[depth] === 1)) {
          depth--;
          i++;
          continue;
        }
        return fail(i, `expected ',' or '${isObject[depth] === 1 ? '}' : ']'}'`);
    }
  }
}

/** 1-based line and column (in UTF-16 units) of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
