/**
 * `sysctl -n kern.boottime` differs per BSD:
 * - FreeBSD: `{ sec = 1732560000, usec = 123456 } Mon Nov 25 18:40:00 2024`
 * - NetBSD:  `1732560000` with -n, `1732560000.123456` with -nn, a ctime(3) date without -n
 * - OpenBSD: `1732560000` with -n
 * This parser takes every one of those; a ctime date is read as UTC (run sysctl with TZ=UTC).
 */
import { err, ok, type Result } from '../../errors/index.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Pure: boot time as seconds since the epoch (with microseconds when the OS gives them). */
export function parseBoottime(text: string): Result<number> {
  const trimmed = text.trim();
  const struct = /^\{\s*sec\s*=\s*([0-9]+)\s*,\s*usec\s*=\s*([0-9]+)\s*\}/.exec(trimmed);
  if (struct) {
    const usec = Number(struct[2]);
    if (usec >= 1_000_000) return err(`usec ${usec} is not below 1000000`);
    return ok(Number(struct[1]) + usec / 1e6);
  }
  const plain = /^([0-9]+)(?:\.([0-9]{1,9}))?$/.exec(trimmed);
  if (plain) return ok(Number(plain[2] === undefined ? plain[1] : `${plain[1]}.${plain[2]}`));
  const ctime = /^(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) ([A-Z][a-z]{2}) +([0-9]{1,2}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([0-9]{4})$/.exec(trimmed);
  if (ctime) {
    const month = MONTHS.indexOf(ctime[1]!);
    if (month < 0) return err(`unknown month ${ctime[1]}`);
    const [day, hour, minute, second, year] = [2, 3, 4, 5, 6].map((i) => Number(ctime[i]));
    return ok(Date.UTC(year!, month, day!, hour!, minute!, second!) / 1000);
  }
  return err(`expected "{ sec = N, usec = M } …", "N[.UUUUUU]" or a ctime date, got ${JSON.stringify(trimmed)}`);
}

/** Pure: uptime from a boot time and the guest's `date +%s` read right after it. */
export function uptimeFromBoottime(boottimeText: string, nowText: string): Result<number> {
  const boot = parseBoottime(boottimeText);
  if (!boot.ok) return boot;
  const now = nowText.trim();
  if (!/^[0-9]+(\.[0-9]+)?$/.test(now)) return err(`date +%s printed ${JSON.stringify(now)}`);
  // `date +%s` has whole seconds: up to 1 s short, so never report a negative uptime.
  const uptime = Number(now) - boot.value;
  if (uptime < -1) return err(`boot time ${boot.value} is after the guest's clock ${now}`);
  return ok(Math.max(0, uptime));
}
