/**
 * Reads the connection facts for one host alias from OpenSSH-style client config text, e.g. the
 * `~/.lima/NAME/ssh.config` Lima writes for `lima-NAME`. Pure: the caller reads the file.
 *
 * Follows ssh_config(5) where it matters here: `Host` blocks with `*`/`?`/`!` patterns, settings
 * before the first block apply to every host, the first value obtained for a keyword wins (except
 * IdentityFile, which accumulates), `keyword value` or `keyword=value`, double-quoted arguments,
 * `~` and `%d %h %n %p %r %%` expansion. `Match` blocks and `Include` are not evaluated; each one
 * skipped is listed in `notes`.
 */
import { homedir } from 'node:os';
import { err, ok, type Result } from '../errors/index.ts';
import { matchesPattern } from './host-keys.ts';

export interface SshConfigTarget {
  alias: string;
  /** HostName, or the alias itself when none is set (as ssh does). */
  host: string;
  port: number;
  /** null: not set; ssh would use the local user name. */
  user: string | null;
  /** The first IdentityFile, expanded; null when none is set. */
  identityFile: string | null;
  identityFiles: string[];
  /** What was skipped (Include, Match), one line each with its line number. */
  notes: string[];
}

interface ConfigLine {
  lineNumber: number;
  keyword: string;
  args: string[];
}

export function parseSshConfig(text: string, alias: string, homeDir: string = homedir()): Result<SshConfigTarget> {
  const lines: ConfigLine[] = [];
  const rawLines = text.split(/\r?\n/);
  for (let index = 0; index < rawLines.length; index += 1) {
    const parsed = parseLine(rawLines[index]!, index + 1);
    if (!parsed.ok) return parsed;
    if (parsed.value) lines.push(parsed.value);
  }

  const notes: string[] = [];
  const firstValue = new Map<string, { value: string; lineNumber: number }>();
  const identityFiles: string[] = [];
  let applies = true;
  let matchedSpecificHost = false;

  for (const line of lines) {
    if (line.keyword === 'host') {
      applies = hostPatternsMatch(line.args, alias);
      if (applies && line.args.some((pattern) => !pattern.startsWith('!') && /[^*?]/.test(pattern))) matchedSpecificHost = true;
      continue;
    }
    if (line.keyword === 'match') {
      applies = line.args.length === 1 && line.args[0]!.toLowerCase() === 'all';
      if (!applies) notes.push(`line ${line.lineNumber}: Match block not evaluated, its settings were skipped`);
      continue;
    }
    if (!applies) continue;
    if (line.keyword === 'include') {
      notes.push(`line ${line.lineNumber}: Include ${line.args.join(' ')} not followed`);
      continue;
    }
    if (line.args.length === 0) return err(`line ${line.lineNumber}: ${line.keyword} needs a value`);
    if (line.keyword === 'identityfile') identityFiles.push(line.args[0]!);
    else if (!firstValue.has(line.keyword)) firstValue.set(line.keyword, { value: line.args[0]!, lineNumber: line.lineNumber });
  }

  if (!matchedSpecificHost) return err(`no Host block matches ${JSON.stringify(alias)}`);

  let port = 22;
  const portSetting = firstValue.get('port');
  if (portSetting) {
    port = Number(portSetting.value);
    if (!/^\d+$/.test(portSetting.value) || port < 1 || port > 65535) {
      return err(`line ${portSetting.lineNumber}: Port ${JSON.stringify(portSetting.value)} is not a port number`);
    }
  }
  const user = firstValue.get('user')?.value ?? null;
  const hostName = firstValue.get('hostname')?.value;
  const host = hostName === undefined ? alias : expandTokens(hostName, { h: alias, n: alias, d: homeDir, p: String(port), r: user ?? '' });
  const tokens = { h: host, n: alias, d: homeDir, p: String(port), r: user ?? '' };
  const expandedIdentityFiles = identityFiles
    .filter((file) => file.toLowerCase() !== 'none')
    .map((file) => expandTokens(expandTilde(file, homeDir), tokens));
  return ok({
    alias,
    host,
    port,
    user,
    identityFile: expandedIdentityFiles[0] ?? null,
    identityFiles: expandedIdentityFiles,
    notes,
  });
}

function hostPatternsMatch(patterns: string[], alias: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (matchesPattern(alias, pattern.slice(1))) return false;
    } else if (matchesPattern(alias, pattern)) matched = true;
  }
  return matched;
}

/** One config line -> lower-cased keyword and its arguments; null for blank lines and comments. */
function parseLine(raw: string, lineNumber: number): Result<ConfigLine | null> {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return ok(null);
  const keywordMatch = /^([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+|$)/.exec(line);
  if (!keywordMatch) return err(`line ${lineNumber}: cannot read ${JSON.stringify(line)}`);
  const args: string[] = [];
  let rest = line.slice(keywordMatch[0].length);
  while (rest !== '') {
    if (rest.startsWith('#')) break;
    if (rest.startsWith('"')) {
      const end = rest.indexOf('"', 1);
      if (end < 0) return err(`line ${lineNumber}: unterminated quote in ${JSON.stringify(line)}`);
      args.push(rest.slice(1, end));
      rest = rest.slice(end + 1).trimStart();
    } else {
      const token = /^\S+/.exec(rest)![0];
      args.push(token);
      rest = rest.slice(token.length).trimStart();
    }
  }
  return ok({ lineNumber, keyword: keywordMatch[1]!.toLowerCase(), args });
}

function expandTilde(path: string, homeDir: string): string {
  if (path === '~') return homeDir;
  return path.startsWith('~/') ? `${homeDir}${path.slice(1)}` : path;
}

function expandTokens(value: string, tokens: Record<'h' | 'n' | 'd' | 'p' | 'r', string>): string {
  return value.replace(/%([%hndpr])/g, (whole, letter: string) => (letter === '%' ? '%' : tokens[letter as keyof typeof tokens]));
}
