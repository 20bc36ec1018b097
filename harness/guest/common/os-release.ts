/** /etc/os-release (systemd's os-release(5)): KEY=value lines, values optionally quoted. */
import { err, ok, type Result } from '../../errors/index.ts';

function unquote(raw: string): string | null {
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) return raw.slice(1, -1).replace(/\\([\\$"`])/g, '$1');
  if (raw.length >= 2 && raw.startsWith("'") && raw.endsWith("'")) return raw.slice(1, -1);
  if (/["'`\\$\s]/.test(raw)) return null;
  return raw;
}

export function parseOsRelease(text: string): Result<Record<string, string>> {
  const fields: Record<string, string> = {};
  for (const [index, rawLine] of text.split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!match) return err(`line ${index + 1}: expected KEY=value, got ${JSON.stringify(line)}`);
    const value = unquote(match[2]!);
    if (value === null) return err(`line ${index + 1}: ${match[1]} has a badly quoted value`);
    fields[match[1]!] = value;
  }
  if (!fields.NAME && !fields.ID && !fields.PRETTY_NAME) return err('no NAME, ID or PRETTY_NAME');
  return ok(fields);
}

/** A one-line description: PRETTY_NAME, else "NAME VERSION_ID". */
export function describeOsRelease(fields: Record<string, string>): string {
  if (fields.PRETTY_NAME) return fields.PRETTY_NAME;
  return [fields.NAME ?? fields.ID, fields.VERSION_ID].filter(Boolean).join(' ');
}
