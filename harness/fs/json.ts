/**
 * The one JSON reader for input kbench did not just write itself: results, baselines, `run
 * --resume` files, the history folder, submissions, the claims file, build state, host-key pins.
 * JSON.parse has no depth limit, keeps the last of duplicate keys silently and turns 1e999 into
 * Infinity; this parser refuses each of those, and `__proto__`/`constructor`/`prototype` keys.
 * It is iterative (an explicit stack, never recursion), so 100 000 nested brackets cost one
 * error, not a stack overflow, and it stops at the first problem with its line, column and field
 * path, never quoting the text around it (a password file read as JSON leaks nothing).
 * `readJsonFileSync` adds the file checks of fs/read.ts: regular file, size bound before a byte
 * is read, UTF-8 refused unless valid, a BOM dropped. Pure except for that one read.
 */
import { InputError, showValue, type Result } from '../errors/index.ts';
import { readInputFileSync } from './read.ts';

export interface JsonLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Longest string (and key), in UTF-16 code units. */
  maxStringLength: number;
  /** Most members of one object, or elements of one array. */
  maxItems: number;
}

export interface JsonProblem {
  /** Where, as "targets[0].metrics[2].id"; "(top level)" before any field. */
  field: string;
  /** 0-based offset in the text (UTF-16 units), and the 1-based line and column of it. */
  offset: number;
  line: number;
  column: number;
  reason: string;
  /** 'syntax': not JSON at all; 'refused': JSON this reader does not take (a limit, a duplicate or forbidden key). */
  kind: 'syntax' | 'refused';
}

/** Keys that mean something to JavaScript objects; no kbench format uses them. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Turns a path into "targets[0].metrics[2].samples[1].value"; keys from a file are quoted and cut unless plain. */
export function formatFieldPath(pathParts: readonly PropertyKey[]): string {
  let out = '';
  for (const part of pathParts) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && !/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(part)) out += `[${showValue(part)}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

type Frame = { kind: 'array'; value: unknown[] } | { kind: 'object'; value: Record<string, unknown>; key: string | null; count: number };

class Fault extends Error {
  constructor(
    message: string,
    readonly kind: JsonProblem['kind'],
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function pathOf(stack: readonly Frame[], pendingKey: string | null): PropertyKey[] {
  const parts: PropertyKey[] = [];
  for (const frame of stack) {
    if (frame.kind === 'array') parts.push(frame.value.length);
    else if (frame.key !== null) parts.push(frame.key);
  }
  if (pendingKey !== null) parts.push(pendingKey);
  return parts;
}

/** Where the fault is, never what is there: the file's text is not quoted (it may be a password file). */
const atEnd = (text: string, i: number): string => (i >= text.length ? ' (the text ends there)' : '');

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

// long because: one iterative state machine over an explicit stack (no recursion, so depth is a
// limit, not a crash); its states share the cursor, the stack and the pending key.
export function parseJsonStrict(text: string, limits: JsonLimits): Result<unknown, JsonProblem> {
  const stack: Frame[] = [];
  let i = 0;
  let root: unknown;
  let pendingKey: string | null = null;
  const fail = (message: string, at = i): never => {
    i = at;
    throw new Fault(message, 'syntax');
  };
  const refuse = (message: string, at = i): never => {
    i = at;
    throw new Fault(message, 'refused');
  };
  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const readString = (): string => {
    const opening = i;
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
      if (c < 0x20) fail('raw control character in a string');
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
      if (out.length + (i - start) > limits.maxStringLength)
        refuse(
          `a string longer than the limit of ${limits.maxStringLength} characters (value ${showValue(out + text.slice(start, Math.min(i, start + 200)))})`,
          opening,
        );
    }
    return out;
  };
  const attach = (value: unknown): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) root = value;
    else if (top.kind === 'array') {
      if (top.value.length >= limits.maxItems) refuse(`more than ${limits.maxItems} elements`);
      top.value.push(value);
    } else {
      top.value[top.key!] = value; // the key was checked against FORBIDDEN_KEYS when read
      top.key = null;
    }
  };
  const open = (frame: Frame): void => {
    if (stack.length >= limits.maxDepth) refuse(`nested deeper than ${limits.maxDepth} levels`);
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
          if (match === null) fail(i >= text.length ? 'unexpected end of the text' : 'expected a value');
          const value = Number(match![0]);
          if (!Number.isFinite(value)) refuse(`number ${match![0].slice(0, 20)} is out of range`);
          i += match![0].length;
          attach(value);
          state = 'after';
        }
      } else if (state === 'key') {
        const top = stack[stack.length - 1] as Extract<Frame, { kind: 'object' }>;
        if (text[i] !== '"') fail(`expected a property name in double quotes${atEnd(text, i)}`);
        const at = i;
        const key = readString();
        pendingKey = key;
        if (FORBIDDEN_KEYS.has(key)) refuse(`forbidden key ${showValue(key)}`, at);
        if (Object.hasOwn(top.value, key)) refuse(`duplicate key ${showValue(key)}`, at);
        if (++top.count > limits.maxItems) refuse(`more than ${limits.maxItems} members`, at);
        pendingKey = null;
        top.key = key;
        skipSpace();
        if (text[i] !== ':') fail(`expected ':'${atEnd(text, i)}`);
        i++;
        state = 'value';
      } else {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          if (i < text.length) fail('unexpected text after the end of the JSON value');
          return { ok: true, value: root };
        }
        const c = text[i];
        if (c === ',') {
          i++;
          state = top.kind === 'object' ? 'key' : 'value';
        } else if ((c === '}' && top.kind === 'object') || (c === ']' && top.kind === 'array')) {
          i++;
          attach(stack.pop()!.value);
        } else fail(`expected ',' or '${top.kind === 'object' ? '}' : ']'}'${atEnd(text, i)}`);
      }
    }
  } catch (error) {
    if (!(error instanceof Fault)) throw error;
    return {
      ok: false,
      error: { field: formatFieldPath(pathOf(stack, pendingKey)), offset: i, ...lineAndColumn(text, i), reason: error.message, kind: error.kind },
    };
  }
}

/** "line 3, column 7, field a.b" (no field at the top level): where a problem is, for an error line. */
function describeJsonPlace(problem: JsonProblem, withField: boolean): string {
  return `line ${problem.line}, column ${problem.column}${!withField || problem.field === '(top level)' ? '' : `, field ${problem.field}`}`;
}

/**
 * "not valid JSON at line L, column C[, field F]: <reason>" (or "refused at …"): the problem as one
 * line's tail. `withField: false` when the caller names the field itself.
 */
export function describeJsonProblem(problem: JsonProblem, withField = true): string {
  return `${problem.kind === 'syntax' ? 'not valid JSON' : 'refused'} at ${describeJsonPlace(problem, withField)}: ${problem.reason}`;
}

/** Parses or throws one InputError line (exit 2): "<source>: " and describeJsonProblem. */
export function parseJsonOrThrow(text: string, source: string, limits: JsonLimits): unknown {
  const parsed = parseJsonStrict(text, limits);
  if (parsed.ok) return parsed.value;
  throw new InputError(`${source}: ${describeJsonProblem(parsed.error)}`);
}

export interface JsonFileLimits extends JsonLimits {
  /** Largest file read, in bytes; checked before a byte is read. */
  maxBytes: number;
}

/** Reads and parses one untrusted JSON file (fs/read.ts checks, then parseJsonStrict); exit 2 on any problem. */
export function readJsonFileSync(file: string, limits: JsonFileLimits, limitHint = ''): unknown {
  return parseJsonOrThrow(readInputFileSync(file, limits.maxBytes, limitHint), file, limits);
}

/** For kbench's own small files (claims, build state, pins): 4 MiB, depth 32, 4096-character strings. */
export const SMALL_FILE_LIMITS: JsonFileLimits = { maxBytes: 4 * 1024 * 1024, maxDepth: 32, maxStringLength: 4096, maxItems: 20_000 };
