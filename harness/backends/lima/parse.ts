/**
 * Pure readers for what Lima writes (formats read from lima-vm/lima v2.2.0-153-g183a60d7):
 * - `limactl list --json`: one JSON object per line (cmd/limactl/list.go pipes each instance
 *   through yq with indent 0), keys from pkg/limatype/lima_instance.go plus the deprecated
 *   HostOS/HostArch/LimaHome/IdentityFile of pkg/store FormatData.
 * - `limactl --version`: cobra's "limactl version X" with the leading "v" trimmed.
 * - `$LIMA_HOME/NAME/ha.stderr.log`: logrus JSONFormatter lines {"level","msg","time"}; time is
 *   RFC 3339 with whole seconds (logrus's default format).
 * - `$LIMA_HOME/NAME/ha.stdout.log`: pkg/hostagent/events Event lines {"time","status"}; time has
 *   nanoseconds (Go's time.Time JSON).
 * Both logs are recreated by every `limactl start` (pkg/instance/start.go removes them first).
 */
import { err, ok, showValue, type Result } from '../../errors/index.ts';

/** pkg/limatype Status values; "" is StatusUnknown. */
export const LIMA_STATUSES = ['Running', 'Stopped', 'Broken', 'Installing', 'Uninitialized', ''] as const;
export type LimaStatus = (typeof LIMA_STATUSES)[number];

export interface LimaInstance {
  name: string;
  hostname: string;
  status: LimaStatus;
  dir: string;
  vmType: string;
  arch: string;
  cpus: number;
  /** Bytes; 0 when Lima could not read it (the key is omitted then). */
  memory: number;
  disk: number;
  /** Absent (0) until a port is known: from the host agent while running, else from ssh.config. */
  sshLocalPort: number | null;
  sshConfigFile: string | null;
  sshAddress: string | null;
  hostAgentPID: number | null;
  driverPID: number | null;
  errors: string[];
  /** Contents of $LIMA_HOME/NAME/lima-version; "" for instances created before Lima wrote it. */
  limaVersion: string;
  /** images[].kernel.location from the instance's config, to tell a custom-kernel instance apart. */
  kernelLocations: string[];
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class FieldError extends Error {}

function requiredString(object: JsonObject, field: string): string {
  const value = object[field];
  if (typeof value !== 'string') throw new FieldError(`field "${field}": expected a string, got ${showValue(value)}`);
  return value;
}

function optionalString(object: JsonObject, field: string): string | null {
  if (!(field in object)) return null;
  return requiredString(object, field);
}

/** Go omits these when 0 (`omitempty`), so absent means 0. */
function optionalCount(object: JsonObject, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!(field in object)) return 0;
  const value = object[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new FieldError(`field "${field}": expected an integer 0-${max === Number.MAX_SAFE_INTEGER ? 'max' : max}, got ${showValue(value)}`);
  }
  return value;
}

function nullIfZero(value: number): number | null {
  return value === 0 ? null : value;
}

/**
 * Instance errors are Go `error` values. Lima's own Instance.MarshalJSON writes them as strings,
 * but `list` marshals the FormatData wrapper, so an error arrives as whatever encoding/json makes
 * of its concrete type: a missing lima.yaml is an *fs.PathError, i.e. {"Op":"open","Path":
 * "…/lima.yaml","Err":2} (cmd/limactl/list.go brokenInstance, pkg/store/instance.go Inspect), an
 * errors.New value is {}. Strings are kept; any other shape becomes a readable one-liner, so one
 * broken instance never makes the whole list unreadable.
 */
function instanceErrors(object: JsonObject): string[] {
  if (!('errors' in object)) return [];
  const value = object.errors;
  if (value === null) return [];
  if (!Array.isArray(value)) return [`unreadable errors field: ${showValue(value)}`];
  const messages: string[] = [];
  for (const entry of value) {
    if (typeof entry === 'string') messages.push(entry);
    else if (isObject(entry) && Object.keys(entry).length === 0) continue;
    else if (isObject(entry) && typeof entry.Op === 'string' && typeof entry.Path === 'string') {
      const errno = typeof entry.Err === 'number' ? ` (errno ${entry.Err}${entry.Err === 2 ? ', no such file' : ''})` : '';
      messages.push(`${entry.Op} ${entry.Path}${errno}`);
    } else messages.push(`error ${showValue(entry)}`);
  }
  return messages;
}

function kernelLocations(object: JsonObject): string[] {
  if (!('config' in object)) return [];
  const config = object.config;
  if (!isObject(config)) throw new FieldError(`field "config": expected an object, got ${showValue(config)}`);
  const images = config.images;
  if (images === undefined || images === null) return [];
  if (!Array.isArray(images)) throw new FieldError(`field "config.images": expected an array, got ${showValue(images)}`);
  const locations: string[] = [];
  images.forEach((image, index) => {
    if (!isObject(image) || image.kernel === undefined) return;
    const kernel = image.kernel;
    if (!isObject(kernel) || typeof kernel.location !== 'string') {
      throw new FieldError(`field "config.images[${index}].kernel.location": expected a string, got ${showValue(isObject(kernel) ? kernel.location : kernel)}`);
    }
    locations.push(kernel.location);
  });
  return locations;
}

function instanceFrom(object: JsonObject): LimaInstance {
  const name = requiredString(object, 'name');
  if (name === '') throw new FieldError('field "name": is empty');
  const status = requiredString(object, 'status');
  if (!(LIMA_STATUSES as readonly string[]).includes(status)) {
    throw new FieldError(`field "status": expected one of ${LIMA_STATUSES.filter(Boolean).join(', ')} or "", got ${showValue(status)}`);
  }
  return {
    name,
    hostname: requiredString(object, 'hostname'),
    status: status as LimaStatus,
    dir: requiredString(object, 'dir'),
    vmType: requiredString(object, 'vmType'),
    arch: requiredString(object, 'arch'),
    cpus: optionalCount(object, 'cpus'),
    memory: optionalCount(object, 'memory'),
    disk: optionalCount(object, 'disk'),
    sshLocalPort: nullIfZero(optionalCount(object, 'sshLocalPort', 65535)),
    sshConfigFile: optionalString(object, 'sshConfigFile'),
    sshAddress: optionalString(object, 'sshAddress'),
    hostAgentPID: nullIfZero(optionalCount(object, 'hostAgentPID')),
    driverPID: nullIfZero(optionalCount(object, 'driverPID')),
    errors: instanceErrors(object),
    limaVersion: requiredString(object, 'limaVersion'),
    kernelLocations: kernelLocations(object),
  };
}

/** `limactl list --json [NAME...]` output; an empty output (no instances) is an empty list. */
export function parseLimaList(ndjson: string, source = 'limactl list --json'): Result<LimaInstance[]> {
  const instances: LimaInstance[] = [];
  const lines = ndjson.split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    const where = `${source} line ${index + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return err(`${where}: not JSON: ${showValue(line)}`);
    }
    if (!isObject(parsed)) return err(`${where}: expected one JSON object per line, got ${showValue(parsed)}`);
    try {
      instances.push(instanceFrom(parsed));
    } catch (error) {
      if (error instanceof FieldError) {
        const name = typeof parsed.name === 'string' ? ` (instance ${showValue(parsed.name)})` : '';
        return err(`${where}${name}: ${error.message}`);
      }
      throw error;
    }
  }
  return ok(instances);
}

/**
 * "limactl version 2.2.0" -> "2.2.0". Development builds print `git describe` output
 * (e.g. "2.2.0-153-g183a60d7", with ".m" when dirty), which is kept as is.
 */
export function parseLimaVersion(text: string): Result<string> {
  const firstLine =
    text
      .split(/\r?\n/)
      .find((line) => line.trim() !== '')
      ?.trim() ?? '';
  const match = /^limactl version (\S+)$/.exec(firstLine);
  if (!match) return err(`limactl --version: expected "limactl version X", got ${showValue(firstLine)}`);
  return ok(match[1]!);
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/** Go RFC 3339 timestamps; fractions beyond milliseconds are truncated (a JS Date holds ms). */
export function parseGoTime(text: string): Date | null {
  const match = RFC3339.exec(text);
  if (!match) return null;
  const fraction = (match[2] ?? '').slice(0, 3).padEnd(3, '0');
  const date = new Date(`${match[1]}.${fraction}${match[3]}`);
  return Number.isNaN(date.getTime()) ? null : date;
}

function jsonLines(text: string): JsonObject[] {
  const objects: JsonObject[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (isObject(parsed)) objects.push(parsed);
    } catch {
      // Not every stderr line is logrus JSON (e.g. a Go panic); those carry no progress marks.
    }
  }
  return objects;
}

export interface HostAgentLogEntry {
  level: string;
  msg: string;
  time: Date;
}

export function parseHostAgentStderr(text: string): HostAgentLogEntry[] {
  const entries: HostAgentLogEntry[] = [];
  for (const object of jsonLines(text)) {
    if (typeof object.msg !== 'string' || typeof object.time !== 'string') continue;
    const time = parseGoTime(object.time);
    if (time === null) continue;
    entries.push({ level: typeof object.level === 'string' ? object.level : '', msg: object.msg, time });
  }
  return entries;
}

// pkg/hostagent/requirements.go. The description is quoted with %#q since v2.2.0 (backquotes) and
// with %q before ("ssh" in double quotes); both are accepted.
const WAITING_FOR_SSH = /^Waiting for the essential requirement (\d+) of (\d+): (?:`ssh`|"ssh")$/;

/**
 * When the host agent's "ssh" essential requirement (a `true` run over SSH, retried every 3 s)
 * was satisfied: the host-side end of boot-to-SSH. Whole-second resolution (logrus timestamps).
 * null when the log never shows it satisfied.
 */
export function sshSatisfiedAt(haStderrLog: string): Date | null {
  let waitingFor: string | null = null;
  for (const entry of parseHostAgentStderr(haStderrLog)) {
    const waiting = WAITING_FOR_SSH.exec(entry.msg);
    if (waiting) {
      waitingFor = `The essential requirement ${waiting[1]} of ${waiting[2]} is satisfied`;
      continue;
    }
    if (waitingFor !== null && entry.msg === waitingFor) return entry.time;
  }
  return null;
}

export interface HostAgentEvent {
  time: Date;
  running: boolean;
  degraded: boolean;
  exiting: boolean;
  errors: string[];
  sshLocalPort: number | null;
}

export function parseHostAgentEvents(haStdoutLog: string): HostAgentEvent[] {
  const events: HostAgentEvent[] = [];
  for (const object of jsonLines(haStdoutLog)) {
    const time = typeof object.time === 'string' ? parseGoTime(object.time) : null;
    const status = object.status;
    if (time === null || !isObject(status)) continue;
    const errors = Array.isArray(status.errors) ? status.errors.filter((entry): entry is string => typeof entry === 'string') : [];
    const port = status.sshLocalPort;
    events.push({
      time,
      running: status.running === true,
      degraded: status.degraded === true,
      exiting: status.exiting === true,
      errors,
      sshLocalPort: typeof port === 'number' && Number.isInteger(port) && port > 0 && port <= 65535 ? port : null,
    });
  }
  return events;
}

/**
 * The host agent's first event, emitted once the driver has started the VM (hostagent.go
 * startRoutinesAndWait): the host-side start of boot-to-SSH, after image preparation.
 */
export function firstEventAt(haStdoutLog: string): Date | null {
  return parseHostAgentEvents(haStdoutLog)[0]?.time ?? null;
}

/** First event with running:true: every requirement checked and provisioning done (or degraded). */
export function firstRunningAt(haStdoutLog: string): Date | null {
  return parseHostAgentEvents(haStdoutLog).find((event) => event.running)?.time ?? null;
}

// pkg/driver/vz/vm_darwin.go: logged when Virtualization.framework reports the VM running.
const VZ_RUNNING = '[VZ] - vm state change: running';
// pkg/driver/qemu/qemu_driver.go Start: logged just before the qemu process is started.
const QEMU_STARTING = /^Starting QEMU \(hint: /;

export interface BootStartMark {
  time: Date;
  /** Which mark it is, recorded with the boot. */
  name: string;
}

/**
 * The start of boot-to-SSH: the driver's own "VM is running" (vz) or "starting qemu" line in
 * ha.stderr.log, else `hostClock` (when `limactl start` was run, which also includes disk
 * preparation), else null. Never the host agent's first event (see backend.ts).
 */
export function bootStartMark(haStderrLog: string, hostClock: Date | null = null): BootStartMark | null {
  for (const entry of parseHostAgentStderr(haStderrLog)) {
    if (entry.msg === VZ_RUNNING) return { time: entry.time, name: `ha.stderr.log "${VZ_RUNNING}"` };
    if (QEMU_STARTING.test(entry.msg)) return { time: entry.time, name: 'ha.stderr.log "Starting QEMU"' };
  }
  return hostClock === null ? null : { time: hostClock, name: 'host clock at limactl start' };
}
