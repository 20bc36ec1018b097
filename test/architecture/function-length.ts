/**
 * Measures function length (test/architecture/function-length.test.ts uses it). Run it to list
 * every function over the limit, longest first: `npx tsx test/architecture/function-length.ts`.
 *
 * No function in harness/, suites/ or custom-os/ runs over MAX_LINES lines unless a comment right
 * above it says why, starting `// long because:` (or a JSDoc line ` * long because:`). A function
 * is every declaration, method, accessor, constructor, function expression and arrow function,
 * measured from its first line to its last, nested functions included in their parent (a factory
 * that returns a 200-line object is a 200-line function).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const MAX_LINES = 120;
const REASON = /(?:\/\/|\*)\s*long because:\s*\S/;

export function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(rel);
    return entry.name.endsWith('.ts') ? [rel] : [];
  });
}

export interface LongFunction {
  where: string;
  name: string;
  lines: number;
  reason: boolean;
}

function nameOf(node: ts.Node): string {
  const named = node as { name?: ts.Node };
  if (named.name !== undefined && ts.isIdentifier(named.name)) return named.name.text;
  if (named.name !== undefined && ts.isStringLiteral(named.name)) return named.name.text;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isPropertyAssignment(parent) && (ts.isIdentifier(parent.name) || ts.isStringLiteral(parent.name))) return parent.name.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  return '(anonymous)';
}

/** The node whose leading comments describe the function: its statement, property or itself. */
function commentHolder(node: ts.Node): ts.Node {
  let holder: ts.Node = node;
  for (;;) {
    const parent = holder.parent;
    if (
      ts.isVariableDeclaration(parent) ||
      ts.isVariableDeclarationList(parent) ||
      ts.isVariableStatement(parent) ||
      ts.isPropertyAssignment(parent) ||
      ts.isExportAssignment(parent)
    ) {
      holder = parent;
      continue;
    }
    return holder;
  }
}

/** Every function of `text` over `max` lines, with whether a `long because:` reason precedes it. */
export function longFunctions(file: string, text: string, max = MAX_LINES): LongFunction[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body !== undefined) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > max) {
        const holder = commentHolder(node);
        const comments = ts.getLeadingCommentRanges(text, holder.getFullStart()) ?? [];
        const reason = comments.some((range) => REASON.test(text.slice(range.pos, range.end)));
        found.push({ where: `${file}:${start + 1}`, name: nameOf(node), lines, reason });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

export function allLongFunctions(): LongFunction[] {
  return ['harness', 'suites', 'custom-os'].flatMap(sourceFiles).flatMap((file) => longFunctions(file, readFileSync(path.join(ROOT, file), 'utf8')));
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  for (const fn of allLongFunctions().sort((a, b) => b.lines - a.lines))
    console.log(`${fn.lines}\t${fn.where}\t${fn.name}${fn.reason ? '\t(long because: ...)' : ''}`);
}
