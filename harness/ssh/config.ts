/**
 * Resolves an OpenSSH host alias the way ssh itself does: `ssh -G ALIAS` prints the configuration
 * ssh would connect with, after Include, Match, Host patterns, first-value-wins and defaults
 * (ssh_config(5)). kbench reads HostName, Port, User and IdentityFile from that output instead
 * of parsing config files itself, so no rule of OpenSSH is skipped or re-implemented.
 *
 * OpenSSH (9.2 checked) prints IdentityFile as configured: `~` and %-tokens unexpanded; they are
 * expanded here with the tokens ssh_config(5) defines for IdentityFile that kbench can know.
 */
import { execFile } from 'node:child_process';
import { homedir, hostname as localHostname, userInfo } from 'node:os';
import { err, ok, showValue, type Result } from '../errors/index.ts';

export interface SshConfigTarget {
  alias: string;
  /** HostName, or the alias itself when none is set (as ssh does). */
  host: string;
  port: number;
  /** ssh's user: the configured User, else the local user name. */
  user: string;
  /** IdentityFile values in ssh's order, expanded: configured ones, or ssh's defaults. */
  identityFiles: string[];
}

/** The keywords kbench uses from `ssh -G` output, one `keyword value` per line. */
export interface SshGSettings {
  hostname: string;
  port: string;
  user: string;
  identityFiles: string[];
}

/** Reads `ssh -G` output; an error names the missing or bad keyword. Pure. */
export function parseSshG(output: string): Result<SshGSettings> {
  const first = new Map<string, string>();
  const identityFiles: string[] = [];
  for (const line of output.split('\n')) {
    const match = /^([a-z0-9]+) (.*)$/.exec(line.replace(/\r$/, ''));
    if (match === null) continue;
    const [, keyword, value] = match as unknown as [string, string, string];
    if (keyword === 'identityfile') identityFiles.push(value);
    else if (!first.has(keyword)) first.set(keyword, value);
  }
  const hostname = first.get('hostname');
  const port = first.get('port');
  const user = first.get('user');
  if (hostname === undefined || port === undefined || user === undefined)
    return err(`ssh -G printed no ${hostname === undefined ? 'hostname' : port === undefined ? 'port' : 'user'} line`);
  return ok({ hostname, port, user, identityFiles });
}

/**
 * The target for an alias from `ssh -G` output with and without the config (`-F /dev/null`):
 * when the config changes none of HostName, Port, User or IdentityFile, no block names the alias,
 * which is almost always a typo, so it is refused instead of connecting to a host named like it.
 */
export function targetFromSshG(
  alias: string,
  configured: SshGSettings,
  unconfigured: SshGSettings | null,
  homeDir: string = homedir(),
): Result<SshConfigTarget> {
  if (!/^\d+$/.test(configured.port) || Number(configured.port) < 1 || Number(configured.port) > 65535)
    return err(`Port ${showValue(configured.port)} is not a port number`);
  if (
    unconfigured !== null &&
    configured.hostname === unconfigured.hostname &&
    configured.port === unconfigured.port &&
    configured.user === unconfigured.user &&
    configured.identityFiles.join('\n') === unconfigured.identityFiles.join('\n')
  )
    return err(`no Host or Match block sets HostName, Port, User or IdentityFile for ${showValue(alias)}`);
  const port = Number(configured.port);
  const tokens: Record<string, string> = {
    '%': '%',
    d: homeDir,
    h: configured.hostname,
    n: alias,
    p: String(port),
    r: configured.user,
    u: userInfo().username,
    l: localHostname().split('.')[0] ?? '',
    L: localHostname(),
  };
  const expand = (file: string): string =>
    (file === '~' ? homeDir : file.startsWith('~/') ? `${homeDir}${file.slice(1)}` : file).replace(/%([%dhnprulL])/g, (_, letter: string) => tokens[letter]!);
  const identityFiles = configured.identityFiles.filter((file) => file.toLowerCase() !== 'none').map(expand);
  return ok({ alias, host: configured.hostname, port, user: configured.user, identityFiles });
}

export interface ResolveSshAliasOptions {
  /** ssh -F FILE: only this file (e.g. the ssh.config Lima writes); default: ssh's own (~/.ssh/config, /etc/ssh/ssh_config). */
  configFile?: string;
  /** The ssh binary; default `ssh` on PATH. */
  ssh?: string;
  homeDir?: string;
  timeoutMs?: number;
}

function sshG(ssh: string, args: string[], timeoutMs: number): Promise<Result<string>> {
  return new Promise((resolve) => {
    execFile(ssh, ['-G', ...args], { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error === null) return resolve(ok(stdout));
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve(err(`${ssh} not found: install the OpenSSH client, or give user@host[:port]`));
      // OpenSSH names file and line first ("FILE line N: Bad port"), then "terminating".
      const lines = String(stderr)
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean);
      const why = lines.find((line) => / line \d+: /.test(line)) ?? lines.at(-1) ?? error.message;
      resolve(err(`ssh -G ${args.join(' ')} failed: ${why.slice(0, 200)}`));
    });
  });
}

/** Runs `ssh -G` for the alias (as `ssh ALIAS` would resolve it) and reads the target from it. */
export async function resolveSshAlias(alias: string, options: ResolveSshAliasOptions = {}): Promise<Result<SshConfigTarget>> {
  // An alias starting with "-" would be read as an option by ssh.
  if (!/^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(alias)) return err(`${showValue(alias)} is not an OpenSSH host alias`);
  const ssh = options.ssh ?? 'ssh';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const configArgs = options.configFile === undefined ? [] : ['-F', options.configFile];
  const [withConfig, withoutConfig] = await Promise.all([
    sshG(ssh, [...configArgs, '--', alias], timeoutMs),
    sshG(ssh, ['-F', '/dev/null', '--', alias], timeoutMs),
  ]);
  if (!withConfig.ok) return withConfig;
  const configured = parseSshG(withConfig.value);
  if (!configured.ok) return configured;
  const unconfigured = withoutConfig.ok ? parseSshG(withoutConfig.value) : null;
  return targetFromSshG(alias, configured.value, unconfigured?.ok ? unconfigured.value : null, options.homeDir ?? homedir());
}
