/** The one strict JSON reader (harness/fs/json.ts) on its own; each input kind is tested where it is read. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineAndColumn, parseJsonOrThrow, parseJsonStrict, readJsonFileSync } from '../../harness/fs/json.ts';

const limits = { maxDepth: 32, maxStringLength: 100, maxItems: 10 };

function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

describe('parseJsonStrict', () => {
  it('parses what JSON.parse parses, to the same value', () => {
    for (const text of [
      '0',
      '-1.5e+3',
      '"a\\u00e9\\n"',
      '[]',
      '{}',
      '[1,[2,{"a":[null,true,false]}]]',
      ' {"a" : 1 , "b":[ ]}\n',
      '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n\\"y"],"b":{"c":{}} ,"d":[]}',
    ])
      expect(parseJsonStrict(text, limits)).toEqual({ ok: true, value: JSON.parse(text) });
  });

  it.each([
    ['{"a":}', 5, 'syntax', /^expected a value$/],
    ['[1,]', 3, 'syntax', /^expected a value$/],
    ['{"a":1', 6, 'syntax', /^expected ',' or '}' \(the text ends there\)$/],
    ['{"a":1}x', 7, 'syntax', /^unexpected text after the end of the JSON value$/],
    ['01', 1, 'syntax', /after the end/],
    ['"\u0001"', 1, 'syntax', /raw control character/],
    ['{a:1}', 1, 'syntax', /expected a property name in double quotes/],
    ['[1 2]', 3, 'syntax', /expected ',' or ']'/],
    ['\ufeff{}', 0, 'syntax', /^expected a value$/],
    ['', 0, 'syntax', /^unexpected end of the text$/],
    ['[1e999]', 1, 'refused', /number 1e999 is out of range/],
    ['{"a":1,"a":2}', 7, 'refused', /duplicate key "a"/],
    ['{"a":{"b":{"c":1,"\\u0063":2}}}', 17, 'refused', /duplicate key "c"/],
    ['{"__proto__":{}}', 1, 'refused', /forbidden key "__proto__"/],
  ])('locates the fault in %j', (text, offset, kind, reason) => {
    const parsed = parseJsonStrict(text, limits);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toMatchObject({ offset, kind });
    expect(parsed.error.reason).toMatch(reason);
  });

  it('names the field of the first problem, a duplicate at any depth included', () => {
    expect(parseJsonStrict('{"a":{"b":[1,2,}}', limits)).toMatchObject({ ok: false, error: { field: 'a.b[2]', line: 1, column: 16 } });
    expect(parseJsonStrict('{"a":[{"x":1},{"x":1,\n "x":2}]}', limits)).toMatchObject({
      ok: false,
      error: { field: 'a[1].x', line: 2, column: 2, reason: 'duplicate key "x"' },
    });
    expect(parseJsonStrict(`{"a":"${'x'.repeat(101)}"}`, limits)).toMatchObject({
      ok: false,
      error: { field: 'a', kind: 'refused', reason: expect.stringMatching(/longer than the limit of 100/) },
    });
    expect(parseJsonStrict('[1,2,3,4,5,6,7,8,9,10,11]', limits)).toMatchObject({
      ok: false,
      error: { reason: expect.stringMatching(/more than 10 elements/) },
    });
  });

  it('bounds the depth without recursion: 100k levels are refused at level 33', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(parseJsonStrict(deep, limits)).toMatchObject({ ok: false, error: { offset: 32, reason: 'nested deeper than 32 levels' } });
    expect(parseJsonStrict(`${'['.repeat(32)}${']'.repeat(32)}`, limits).ok).toBe(true);
  });

  it('gives line and column', () => {
    expect(lineAndColumn('{\n  "a": x\n}', 9)).toEqual({ line: 2, column: 8 });
  });
});

describe('parseJsonOrThrow and readJsonFileSync', () => {
  it('throw one line naming the source, the place, the field and the key (exit 2)', () => {
    const error = thrown(() => parseJsonOrThrow('{"a":{"k\\u001b[31m":1,"k\\u001b[31m":2}}', 'in.json', limits)) as Error & { exitCode: number };
    expect(error.message).toBe('in.json: refused at line 1, column 23, field a["k\\u001b[31m"]: duplicate key "k\\u001b[31m"');
    expect(error.exitCode).toBe(2);
    expect(thrown(() => parseJsonOrThrow('root:x:0:0', 'passwd', limits)).message).toBe('passwd: not valid JSON at line 1, column 1: expected a value');
  });

  it('refuse invalid UTF-8 and a file over the size bound; drop a BOM', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kb-json-'));
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]));
    expect(thrown(() => readJsonFileSync(bad, { ...limits, maxBytes: 1024 })).message).toBe(`${bad}: not valid UTF-8 text`);
    const big = path.join(dir, 'big.json');
    writeFileSync(big, JSON.stringify({ a: 'x'.repeat(90) }));
    expect(thrown(() => readJsonFileSync(big, { ...limits, maxBytes: 50 }, 'raise it')).message).toMatch(
      new RegExp(`^${big}: 0 MiB is larger than the limit of 0 MiB \\(raise it\\)$`),
    );
    const bom = path.join(dir, 'bom.json');
    writeFileSync(bom, '\ufeff{"a":1}');
    expect(readJsonFileSync(bom, { ...limits, maxBytes: 50 })).toEqual({ a: 1 });
  });
});
