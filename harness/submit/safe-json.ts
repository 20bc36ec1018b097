/**
 * A JSON parser for untrusted files. JSON.parse has no depth limit, keeps the last of duplicate
 * keys silently and turns 1e999 into Infinity; a submission must fail on each of those instead.
 * This parser is iterative (an explicit stack, never recursion), so 100 000 nested brackets
 * cost one error, not a stack overflow, and it stops at the first problem with the field path.
 * Pure: text in, value or error out.
 */
import type { Result } from '../errors/index.ts';

export interface JsonLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Longest string, in UTF-16 code units. */
  maxStringLength: number;
  /** Most members of one object, or elements of one array. */
  maxItems: number;
}

export interface JsonProblem {
  /** Where, as "targets[0].metrics[2].id"; "(top level)" before any field. */
  field: string;
  message: string;
}

/** Keys that mean something to JavaScript objects; no kbench format uses them. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

type Frame =
  | { kind: 'array'; value: unknown[] }
  | { kind: 'object'; value: Record<string, unknown>; key: string | null; count: number };

class Fault extends Error {}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function fieldOf(stack: readonly Frame[], pendingKey: string | null): string {
  let out = '';
  for (const frame of stack) {
    if (frame.kind === 'array') out += `[${frame.value.length}]`;
    else if (frame.key !== null) out += out === '' ? frame.key : `.${frame.key}`;
  }
  if (pendingKey !== null) out += out === '' ? pendingKey : `.${pendingKey}`;
  return out === '' ? '(top level)' : out;
}

function describeChar(text: string, i: number): string {
  if (i >= text.length) return 'end of file';
  const code = text.codePointAt(i)!;
  return code >= 0x21 && code <= 0x7e ? `"${text[i]}"` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

// long because: one iterative state machine over an explicit stack (no recursion, so depth is a
// limit, not a crash); its states share the cursor, the stack and the pending key.
export function parseJsonStrict(text: string, limits: JsonLimits): Result<unknown, JsonProblem> {
  const stack: Frame[] = [];
  let i = 0;
  let root: unknown;
  let pendingKey: string | null = null;
  const fail = (message: string): never => {
    throw new Fault(`${message} at offset ${i}`);
  };
  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const readString = (): string => {
    i++; // the opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        break;
      }
      if (c < 0x20) fail(`raw control character ${describeChar(text, i)} in a string`);
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1] ?? '';
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (Object.hasOwn(ESCAPES, e)) {
          out += ESCAPES[e]!;
          i += 2;
        } else fail(`bad escape \\${e}`);
        start = i;
      } else i++;
      if (out.length + (i - start) > limits.maxStringLength) fail(`string longer than ${limits.maxStringLength} characters`);
    }
    return out;
  };
  const attach = (value: unknown): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) root = value;
    else if (top.kind === 'array') {
      if (top.value.length >= limits.maxItems) fail(`more than ${limits.maxItems} elements`);
      top.value.push(value);
    } else {
      top.value[top.key!] = value; // the key was checked against FORBIDDEN_KEYS when read
      top.key = null;
    }
  };
  const open = (frame: Frame): void => {
    if (stack.length >= limits.maxDepth) fail(`nested deeper than ${limits.maxDepth} levels`);
    stack.push(frame);
    i++;
  };

  try {
    let state: 'value' | 'key' | 'after' = 'value';
    for (;;) {
      skipSpace();
      if (state === 'value') {
        const c = text[i];
        if (c === '{') {
          open({ kind: 'object', value: {}, key: null, count: 0 });
          skipSpace();
          if (text[i] === '}') {
            i++;
            attach(stack.pop()!.value);
            state = 'after';
          } else state = 'key';
        } else if (c === '[') {
          open({ kind: 'array', value: [] });
          skipSpace();
          if (text[i] === ']') {
            i++;
            attach(stack.pop()!.value);
            state = 'after';
          }
        } else if (c === '"') {
          attach(readString());
          state = 'after';
        } else if (text.startsWith('true', i)) {
          i += 4;
          attach(true);
          state = 'after';
        } else if (text.startsWith('false', i)) {
          i += 5;
          attach(false);
          state = 'after';
        } else if (text.startsWith('null', i)) {
          i += 4;
          attach(null);
          state = 'after';
        } else {
          NUMBER.lastIndex = i;
          const match = NUMBER.exec(text);
          if (match === null) fail(`unexpected ${describeChar(text, i)}`);
          const value = Number(match![0]);
          if (!Number.isFinite(value)) fail(`number ${match![0].slice(0, 20)} is out of range`);
          i += match![0].length;
          attach(value);
          state = 'after';
        }
      } else if (state === 'key') {
        const top = stack[stack.length - 1] as Extract<Frame, { kind: 'object' }>;
        if (text[i] !== '"') fail(`expected a key, got ${describeChar(text, i)}`);
        const key = readString();
        pendingKey = key;
        if (FORBIDDEN_KEYS.has(key)) fail(`forbidden key ${JSON.stringify(key)}`);
        if (Object.hasOwn(top.value, key)) fail(`duplicate key ${JSON.stringify(key)}`);
        if (++top.count > limits.maxItems) fail(`more than ${limits.maxItems} members`);
        pendingKey = null;
        top.key = key;
        skipSpace();
        if (text[i] !== ':') fail(`expected ":", got ${describeChar(text, i)}`);
        i++;
        state = 'value';
      } else {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          if (i < text.length) fail(`unexpected ${describeChar(text, i)} after the end of the document`);
          return { ok: true, value: root };
        }
        const c = text[i];
        if (c === ',') {
          i++;
          state = top.kind === 'object' ? 'key' : 'value';
        } else if ((c === '}' && top.kind === 'object') || (c === ']' && top.kind === 'array')) {
          i++;
          attach(stack.pop()!.value);
        } else fail(`expected "," or "${top.kind === 'object' ? '}' : ']'}", got ${describeChar(text, i)}`);
      }
    }
  } catch (error) {
    if (!(error instanceof Fault)) throw error;
    return { ok: false, error: { field: fieldOf(stack, pendingKey), message: error.message } };
  }
}
