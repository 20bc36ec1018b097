/**
 * Limits on what kbench reads, enforced before the schema sees the data, so a hostile or runaway
 * file is refused in time and memory proportional to the limit, not to the file:
 * the size before a byte is read, the nesting depth and syntax in one pass over the text, then
 * string lengths and array sizes in one walk over the parsed value. Documented in the README.
 */
import { InputError, showValue } from '../errors/index.ts';
import { formatFieldPath } from '../fs/json.ts';

export { formatFieldPath };

export interface InputLimits {
  /** Largest results/baseline file read (bytes). A real run is well under 1 MiB. */
  maxFileBytes: number;
  /** Deepest nesting of objects/arrays; the format needs 6. */
  maxDepth: number;
  /** Longest string (and object key), in UTF-16 units; failure reasons are cut to 500. */
  maxStringChars: number;
  /** Most samples (and warm-ups, and failures) per metric; a real metric has tens. */
  maxSamplesPerMetric: number;
  /** Most items in any other array or keys in any object. */
  maxItems: number;
}

export const DEFAULT_LIMITS: InputLimits = {
  maxFileBytes: 64 * 1024 * 1024,
  maxDepth: 32,
  maxStringChars: 4096,
  maxSamplesPerMetric: 100_000,
  maxItems: 100_000,
};

export const MAX_INPUT_ENV = 'KBENCH_MAX_INPUT_MIB';
export const MAX_INPUT_FLAG = '--max-input-mib';
export const LIMIT_HINT = `raise it with ${MAX_INPUT_FLAG} or ${MAX_INPUT_ENV}`;

let configured: InputLimits = { ...DEFAULT_LIMITS };

export function inputLimits(): InputLimits {
  return configured;
}

/** Set once at the CLI edge (flag or environment); tests pass limits explicitly instead. */
export function configureInputLimits(limits: Partial<InputLimits>): void {
  configured = { ...configured, ...limits };
}

/** Parses a MiB count from the flag or the environment: a plain positive integer, at most 4096. */
export function parseMaxInputMib(raw: string, source: string): number {
  if (!/^[1-9][0-9]{0,3}$/.test(raw) || Number(raw) > 4096)
    throw new InputError(`${source}: must be a whole number of MiB in [1, 4096], got ${showValue(raw)}`);
  return Number(raw) * 1024 * 1024;
}

const PER_METRIC = new Set(['samples', 'warmup', 'failures']);

/** Throws one InputError line naming the field for the first value over a limit. Depth is already bounded. */
export function checkParsedLimits(data: unknown, file: string, limits: InputLimits = configured): void {
  const trail: PropertyKey[] = [];
  const refuse = (message: string): never => {
    throw new InputError(`${file}: field ${formatFieldPath(trail)}: ${message}`);
  };
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.length > limits.maxStringChars)
        refuse(`text of ${value.length} characters is longer than the limit of ${limits.maxStringChars} (value ${showValue(value)})`);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      const key = trail[trail.length - 1];
      const max = typeof key === 'string' && PER_METRIC.has(key) ? limits.maxSamplesPerMetric : limits.maxItems;
      if (value.length > max) refuse(`${value.length} items are more than the limit of ${max}`);
      for (let i = 0; i < value.length; i++) {
        trail.push(i);
        walk(value[i]);
        trail.pop();
      }
      return;
    }
    const keys = Object.keys(value);
    if (keys.length > limits.maxItems) refuse(`${keys.length} keys are more than the limit of ${limits.maxItems}`);
    for (const key of keys) {
      if (key.length > limits.maxStringChars)
        refuse(`a key of ${key.length} characters is longer than the limit of ${limits.maxStringChars} (key ${showValue(key)})`);
      trail.push(key);
      walk((value as Record<string, unknown>)[key]);
      trail.pop();
    }
  };
  walk(data);
}
