/**
 * This machine's id for the community report: derived from its signing key (signing.ts), made on
 * first use. Random, not derived from a serial number or MAC, so it identifies "the same machine
 * as before" and nothing else; and a bundle claiming it must be signed by that key.
 */
import { machineKey } from './signing.ts';

export const machineId = (file?: string): string => machineKey(file).machineId;
