/** The report formats. A new format is one file exporting a ReportExporter, added to this list. */
import { htmlExporter } from './html.ts';
import { junitExporter } from './junit.ts';
import { markdownExporter } from './markdown.ts';
import type { ReportExporter } from './types.ts';

export type { ReportExporter } from './types.ts';

export const EXPORTERS = [htmlExporter, markdownExporter, junitExporter] as const satisfies readonly ReportExporter[];

export type ReportFormat = 'html' | 'md' | 'junit';

export const REPORT_FORMATS: readonly ReportFormat[] = EXPORTERS.map((exporter) => exporter.format as ReportFormat);

export function exporterFor(format: string): ReportExporter | null {
  return EXPORTERS.find((exporter) => exporter.format === format) ?? null;
}
