/**
 * What in a free-text field could identify a person or a machine: home paths (they carry the
 * user name), IP and MAC addresses, e-mail addresses, mDNS host names, UUIDs and machine ids,
 * serial numbers. `kbench submit` replaces every match (and the local host and user names it
 * knows); `kbench ingest` rejects a bundle in which any match is left. Pure functions.
 *
 * The patterns err towards scrubbing: a four-part version "10.0.19041.1" looks like an IP
 * address and is scrubbed too. Losing a version string is cheaper than leaking an address.
 */
import { GUEST_OS_NAMES } from '../results/names.ts';

export interface IdentifyingPattern {
  kind: string;
  pattern: RegExp;
  replacement: string;
}

const HEX = '[0-9A-Fa-f]';
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';

/** Order matters: paths before addresses, so "/Users/ann/10.0.0.1" becomes "~/[ip]", not worse. */
export const IDENTIFYING_PATTERNS: readonly IdentifyingPattern[] = [
  // /Users/<name>, /home/<name>, /var/home/<name>, /export/home/<name>, C:\Users\<name>, macOS per-user temp dirs.
  { kind: 'home path', pattern: /(?:\/(?:var\/|export\/)?home|\/Users)\/[^/\s"'`:;,)]+/g, replacement: '~' },
  { kind: 'home path', pattern: /[A-Za-z]:\\(?:Users|Documents and Settings)\\[^\\\s"'`:;,)]+/gi, replacement: '~' },
  { kind: 'home path', pattern: /\/(?:private\/)?var\/folders\/[^\s"'`:;,)]+/g, replacement: '[tmp]' },
  // Any other absolute path: its folders can name a person ("/root/alice-work") or a project.
  { kind: 'absolute path', pattern: /(?<![\w.~:/\\-])\/(?:[\w.@+-]+\/)+[\w.@+-]*/g, replacement: '[path]' },
  { kind: 'absolute path', pattern: /(?<![\w])[A-Za-z]:\\(?:[^\\\s"'`:;,)]+\\)*[^\\\s"'`:;,)]*/g, replacement: '[path]' },
  // SSH host-key fingerprints, both forms ssh-keygen -l prints.
  { kind: 'host-key fingerprint', pattern: /\bSHA256:[A-Za-z0-9+/]{43}=?/g, replacement: '[host key]' },
  { kind: 'host-key fingerprint', pattern: /(?<![0-9A-Za-z:])(?:MD5:)?[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){15}(?![0-9A-Fa-f:])/g, replacement: '[host key]' },
  { kind: 'e-mail address', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g, replacement: '[email]' },
  // The same address URL-encoded (%40), as an HTML entity (&#64; &#x40;) or spelled out ("ann (at) example (dot) org").
  { kind: 'e-mail address', pattern: /[A-Za-z0-9._+-]+(?:%40|&#0*64;|&#x0*40;|\\u0040)[A-Za-z0-9-]+(?:(?:\.|%2[Ee])[A-Za-z0-9-]+)+/g, replacement: '[email]' },
  {
    kind: 'e-mail address',
    pattern: /[A-Za-z0-9._+-]+\s*[[(<{]\s*at\s*[\])>}]\s*[A-Za-z0-9-]+(?:\s*[[(<{]\s*dot\s*[\])>}]\s*[A-Za-z0-9-]+)+/gi,
    replacement: '[email]',
  },
  // World Wide Names of disks (/dev/disk/by-id/wwn-0x5000…, naa.5000…, eui.…): unique per drive.
  { kind: 'disk WWN', pattern: /\b(?:wwn-)?0x[0-9A-Fa-f]{16}(?:[0-9A-Fa-f]{16})?\b|\b(?:naa|eui)\.[0-9A-Fa-f]{16,32}\b/g, replacement: '[wwn]' },
  // "Serial Number: C02…", "IOPlatformSerialNumber" = "…", serial=…: a separator is required, so "serial console" stays.
  {
    kind: 'serial number',
    pattern: /(?:\bIOPlatform|\b)serial[ _-]?(?:number|no\.?|num)?(?:\s*\([^)]{0,24}\))?["']?\s*(?:[:=#]|=>)\s*["']?[A-Za-z0-9-]{4,}/gi,
    replacement: 'serial [removed]',
  },
  { kind: 'serial number', pattern: /\bserial[ _-]?number\s+[A-Za-z0-9-]{6,}/gi, replacement: 'serial [removed]' },
  { kind: 'serial number', pattern: /\b(?:SN|S\/N)\s*[:#=]\s*[A-Za-z0-9-]{6,}/g, replacement: 'serial [removed]' },
  // A bare Apple-style serial (C02XK0ABJGH5, 10-12 capitals and digits, both present at least twice).
  { kind: 'serial number', pattern: /\b(?=(?:[A-Z0-9]*[0-9]){2})(?=(?:[A-Z0-9]*[A-Z]){2})[A-Z0-9]{10,12}\b/g, replacement: '[serial]' },
  { kind: 'UUID', pattern: new RegExp(`\\b${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}\\b`, 'g'), replacement: '[uuid]' },
  // /etc/machine-id and dbus ids are 32 hex digits; hashes of 40/64 digits are not ids of a machine.
  { kind: 'machine id', pattern: new RegExp(`(?<!${HEX})${HEX}{32}(?!${HEX})`, 'g'), replacement: '[id]' },
  { kind: 'MAC address', pattern: new RegExp(`(?<![0-9A-Fa-f:-])${HEX}{2}(?:([:-])${HEX}{2})(?:\\1${HEX}{2}){4}(?![0-9A-Fa-f:-])`, 'g'), replacement: '[mac]' },
  { kind: 'IPv4 address', pattern: new RegExp(`(?<![0-9.])${OCTET}(?:\\.${OCTET}){3}(?![0-9.])`, 'g'), replacement: '[ip]' },
  // Full form (8 groups) or compressed with "::" and at least two groups; "::1" alone names no machine.
  { kind: 'IPv6 address', pattern: new RegExp(`(?<![0-9A-Fa-f:])(?:${HEX}{1,4}:){7}${HEX}{1,4}(?![0-9A-Fa-f:])`, 'g'), replacement: '[ip]' },
  {
    kind: 'IPv6 address',
    pattern: new RegExp(`(?<![0-9A-Fa-f:])(?:${HEX}{1,4}:){1,6}:(?:${HEX}{1,4}:){0,5}${HEX}{1,4}(?![0-9A-Fa-f:])`, 'g'),
    replacement: '[ip]',
  },
  // mDNS and home-network names, and tailnet (Tailscale MagicDNS) names: "annes-mbp.tail1234.ts.net".
  { kind: 'host name', pattern: /\b[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.(?:ts\.net|beta\.tailscale\.net)\b/gi, replacement: '[host]' },
  { kind: 'host name', pattern: /\b[A-Za-z0-9][A-Za-z0-9-]*\.(?:local|lan|home\.arpa|localdomain|internal)\b/gi, replacement: '[host]' },
];

export interface IdentifyingMatch {
  kind: string;
  match: string;
}

/** The first identifying thing in a text, or null. */
export function findIdentifying(text: string): IdentifyingMatch | null {
  for (const { kind, pattern } of IDENTIFYING_PATTERNS) {
    pattern.lastIndex = 0;
    const found = pattern.exec(text);
    pattern.lastIndex = 0;
    if (found !== null) return { kind, match: found[0] };
  }
  return null;
}

export interface LocalIdentity {
  /** This machine's host names (full and short). */
  hostNames: string[];
  /** The user's login and full name (each part of it). */
  userNames: string[];
  /** Words that are kbench's own vocabulary for this run ("zfs", "stock"): never scrubbed as names. */
  ordinaryWords?: ReadonlySet<string>;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Names shorter than 3 characters, or common words a user or host may be called ("admin",
 * "localhost"), would scrub ordinary text; they are left alone (the patterns still apply).
 */
const UNSCRUBBABLE_NAMES = new Set(['root', 'admin', 'user', 'localhost', ...GUEST_OS_NAMES, 'ubuntu', 'kbench', 'runner', 'ec2-user', 'vagrant']);

/** Replaces the identifying patterns only. */
export function scrubPatterns(text: string): string {
  let out = text;
  for (const { pattern, replacement } of IDENTIFYING_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Replaces identifying patterns and the local host and user names. */
export function scrubText(text: string, identity: LocalIdentity = { hostNames: [], userNames: [] }): string {
  let out = scrubPatterns(text);
  const ordinary = identity.ordinaryWords ?? new Set<string>();
  const names = [...identity.hostNames.map((name) => [name, '[host]'] as const), ...identity.userNames.map((name) => [name, '[user]'] as const)]
    .filter(([name]) => name.length >= 3 && !UNSCRUBBABLE_NAMES.has(name.toLowerCase()) && !ordinary.has(name.toLowerCase()))
    .sort((a, b) => b[0].length - a[0].length);
  for (const [name, replacement] of names) out = out.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(name)}(?![A-Za-z0-9])`, 'gi'), replacement);
  return out;
}

/** C0/C1 controls, DEL, bidi overrides and isolates, zero-width and BOM characters. */
export const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
/** Anything a browser or a Markdown viewer could take for a tag, a comment, a template or a script link. */
export const MARKUP = /<[A-Za-z!/?]|\{\{|\]\(javascript:/i;

/**
 * What `kbench submit` does to free text besides scrubbing: control and invisible characters
 * become spaces, lone surrogates U+FFFD, text past 2048 characters is cut, angle brackets become single guillemets and "{{" is split, so guest output like
 * "<stdin>: error" survives as readable text that no viewer can take for markup.
 */
export function neutralizeText(text: string, maxLength = 2048): string {
  const clipped = text.length > maxLength ? `${text.slice(0, maxLength - 1)}\u2026` : text;
  return (
    clipped
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
      .replace(new RegExp(INVISIBLE.source, 'g'), ' ')
      .replace(/</g, '\u2039')
      .replace(/>/g, '\u203a')
      // Every brace followed by another gets a space: "{{{x}}}" must not leave a "{{" behind.
      .replace(/\{(?=\{)/g, '{ ')
      .replace(/\]\(javascript:/gi, '] (javascript:')
  );
}
