/** Turning untrusted text into something safe to print: short, one line, no terminal controls. */

/** Longest value shown in an error line; the rest becomes "…". */
export const SHOWN_VALUE_CHARS = 80;

/** Cuts text to `max` characters (code points), marking the cut with "…". */
export function cut(text: string, max = SHOWN_VALUE_CHARS): string {
  // Slicing a huge string is cheap; spreading it into code points is not, so bound it first.
  const head = text.length > max * 2 + 2 ? text.slice(0, max * 2 + 2) : text;
  const chars = [...head];
  return chars.length > max || head.length < text.length ? `${chars.slice(0, max - 1).join('')}…` : text;
}

/**
 * ECMA-48 escape sequences (CSI, OSC and the DCS/SOS/PM/APC strings up to BEL or ST, and
 * two-character escapes), C0 controls other than tab and newline, DEL, C1 controls (U+0080-U+009F,
 * which some terminals take as 8-bit CSI/OSC), and the bidi overrides that reorder what is shown.
 */
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|[ -/]*[0-~]?)/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text with every terminal control removed; tab and newline stay. */
export function terminalSafe(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
}

const INVISIBLE = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const escapeInvisible = (text: string): string => text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A string JSON-quoted and cut so that the whole, quotes included, stays near 80 characters. */
function quote(value: string): string {
  for (const keep of [SHOWN_VALUE_CHARS - 2, 24, 8]) {
    const shown = escapeInvisible(JSON.stringify(cut(value, keep)));
    if (shown.length <= SHOWN_VALUE_CHARS + 8) return shown;
  }
  return '"…"';
}

/**
 * Shows a value in an error message: JSON-quoted so odd characters stay visible (JSON escapes
 * C0 controls; C1 and bidi controls are escaped here), one line, cut to ~80 characters with "…".
 */
export function showValue(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return quote(value);
  let text: string;
  try {
    text = JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'string' ? cut(inner, 24) : inner)) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return cut(escapeInvisible(text).replace(/[\r\n]+/g, ' '), SHOWN_VALUE_CHARS);
}
