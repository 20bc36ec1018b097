export * from './types.ts';
export { SshSession, TIMEOUT_EXIT_CODE, describeEndpoint, type ChannelCounts, type SshSessionOptions } from './session.ts';
export { connectWithRetry, type ConnectAttempt, type ConnectWithRetryOptions, type ConnectedSession } from './connect.ts';
export { parseSshG, resolveSshAlias, targetFromSshG, type SshConfigTarget } from './config.ts';
export {
  fingerprintSha256,
  keyTypeOf,
  knownHostsName,
  lookupKnownHost,
  parseKnownHosts,
  type KnownHostLookup,
  type KnownHostsEntry,
} from './host-keys.ts';
export { HostKeyError, SshAuthError, SshConnectionError } from './errors.ts';
