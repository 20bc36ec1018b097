export { buildReportModel, REPORT_MODEL_VERSION, toSpeedup, VERDICT_ORDER } from './model.ts';
export type { ReportModel, ReportOptions, ReportInput, ComparedRow, SkippedRow, ReportSet, MetricSection } from './model.ts';
export { renderHtmlReport, jsonForScriptElement } from './exporters/html.ts';
export { renderMarkdownReport, escapeMarkdown } from './exporters/markdown.ts';
export { renderJunitReport, escapeXml } from './exporters/junit.ts';
export { EXPORTERS, exporterFor, REPORT_FORMATS, type ReportExporter, type ReportFormat } from './exporters/index.ts';
export { runReportCommand, type ReportCommandOptions, type ReportCommandResult } from './command.ts';
export { writeRunReport } from './for-run.ts';
export { loadClaimsSync, parseClaims, claimFor, judgeClaim, type ClaimsFile, type Claim } from './claims.ts';
