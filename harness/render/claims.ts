/**
 * The seed's claims as the report sees them: the file and its verdicts live in harness/claims/;
 * this keeps the report's import path. Verdicts: confirmed, refuted, inconclusive, not measured.
 */
export { claimFor, Claim, ClaimsFile, DEFAULT_CLAIMS_FILE, loadClaimsSync, parseClaims } from '../claims/file.ts';
export { judgeClaim, type ClaimVerdict as ClaimOutcome } from '../claims/judge.ts';
