/**
 * The edge where guest commands run: every adapter goes through these, so a failing command or an
 * unparsable output always surfaces as one line naming the command (or the kstat/file) and why.
 */
import type { Result } from '../../errors/index.ts';
import type { ExecOptions, ExecResult, RemoteShell } from '../../ssh/types.ts';

const MAX_COMMAND_CHARS = 120;

function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ; ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 3)}...` : flat;
}

function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .find((line) => line.trim() !== '')
      ?.trim() ?? ''
  );
}

/** A command that exited non-zero in the guest. */
export class GuestCommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: ExecResult,
  ) {
    const why = firstLine(result.stderr) || firstLine(result.stdout) || 'no output';
    const status = result.code === 124 ? 'timed out' : `exit ${result.code}`;
    super(`guest command failed (${status}): ${oneLine(command, MAX_COMMAND_CHARS)}: ${why}`);
    this.name = 'GuestCommandError';
  }
}

/** Output the guest produced that does not have the documented shape. */
export class GuestOutputError extends Error {
  constructor(source: string, problem: string) {
    super(`cannot read ${source}: ${oneLine(problem, 200)}`);
    this.name = 'GuestOutputError';
  }
}

/** Guest feature that this OS (or its ZFS) does not have. */
export class GuestUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuestUnsupportedError';
  }
}

/** Runs `command` and returns stdout; throws GuestCommandError on a non-zero exit. */
export async function runChecked(shell: RemoteShell, command: string, options?: ExecOptions): Promise<string> {
  const result = await shell.exec(command, options);
  if (result.code !== 0) throw new GuestCommandError(command, result);
  return result.stdout;
}

/** Unwraps a parser's Result; an error becomes a GuestOutputError naming where the text came from. */
export function expectParsed<T>(result: Result<T>, source: string): T {
  if (!result.ok) throw new GuestOutputError(source, result.error);
  return result.value;
}

/**
 * Several independent commands in one round trip (SSH under TCG costs tens of ms per call).
 * Each section's stdout and exit status are kept apart by marker lines; stderr is dropped, so a
 * section that fails simply reports its status.
 */
const SECTION_MARK = '@@kbench-section';
const STATUS_MARK = '@@kbench-status';

export interface SectionOutput {
  output: string;
  code: number;
}

export function sectionScript(sections: Record<string, string>): string {
  return Object.entries(sections)
    .map(([name, command]) => {
      if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`section name ${JSON.stringify(name)} must match [a-z0-9_]+`);
      return `echo '${SECTION_MARK} ${name}'; ( ${command} ) 2>/dev/null; kbench_rc=$?; echo; echo "${STATUS_MARK} $kbench_rc"`;
    })
    .join('; ');
}

/** Pure: splits the output of sectionScript back into sections. */
export function parseSections(text: string): Result<Record<string, SectionOutput>> {
  const sections: Record<string, SectionOutput> = {};
  let current: { name: string; lines: string[] } | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${SECTION_MARK} `)) {
      if (current) return { ok: false, error: `section ${current.name} has no status line` };
      current = { name: line.slice(SECTION_MARK.length + 1).trim(), lines: [] };
    } else if (line.startsWith(`${STATUS_MARK} `)) {
      if (!current) return { ok: false, error: 'status line without a section' };
      const code = Number(line.slice(STATUS_MARK.length + 1).trim());
      if (!Number.isInteger(code)) return { ok: false, error: `bad status line ${JSON.stringify(line)}` };
      // The echo before the status line guarantees a newline; drop exactly that one.
      const body = current.lines.join('\n');
      sections[current.name] = { output: body.endsWith('\n') ? body.slice(0, -1) : body, code };
      current = null;
    } else if (current) {
      current.lines.push(line);
    }
  }
  if (current) return { ok: false, error: `section ${current.name} has no status line` };
  return { ok: true, value: sections };
}

/** Runs several commands in one call; each section's output and status come back by name. */
export async function runSections(shell: RemoteShell, sections: Record<string, string>, options?: ExecOptions): Promise<Record<string, SectionOutput>> {
  const script = sectionScript(sections);
  const stdout = await runChecked(shell, script, options);
  const parsed = expectParsed(parseSections(stdout), `the output of ${Object.keys(sections).join(', ')}`);
  for (const name of Object.keys(sections)) if (!parsed[name]) throw new GuestOutputError(`the output of ${name}`, 'section missing');
  return parsed;
}

/** The section's output when it succeeded, else null (for facts that a guest may lack). */
export function okOutput(section: SectionOutput | undefined): string | null {
  return section && section.code === 0 ? section.output : null;
}

/** One command per name in one round trip: the output of each that succeeded, by name; failed ones are left out. */
export async function runEachSucceeded<Name extends string>(
  shell: RemoteShell,
  names: readonly Name[],
  commandFor: (name: Name) => string,
): Promise<Record<string, string>> {
  if (names.length === 0) return {};
  // Names may hold dots (sysctl names); section names may not.
  const sectionKey = (index: number) => `n${index}`;
  const out = await runSections(shell, Object.fromEntries(names.map((name, i) => [sectionKey(i), commandFor(name)])));
  const succeeded: Record<string, string> = {};
  names.forEach((name, i) => {
    const text = okOutput(out[sectionKey(i)]);
    if (text !== null) succeeded[name] = text;
  });
  return succeeded;
}
