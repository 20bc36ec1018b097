/**
 * What both halves of the OpenBSD provider need to agree on: the provider
 * (openbsd-autoinstall.ts) and the install it loads lazily (openbsd-install-run.ts). A file of
 * its own so that neither imports the other (that was a cycle).
 */
export const OPENBSD_RELEASE = '7.8';
export const AUTOINSTALL_PROMPT = '(I)nstall, (U)pgrade, (A)utoinstall or (S)hell?';
/** The port autoinstall(8) asks on (plain http://server/...). */
export const RESPONSE_PORT = 80;
