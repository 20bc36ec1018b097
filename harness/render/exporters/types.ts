import type { ReportModel } from '../model.ts';

/** One output format. Adding a format = one file implementing this, listed in exporters/index.ts. */
export interface ReportExporter {
  /** The --format value. */
  format: string;
  /** File name extension for the default output name, without the dot. */
  extension: string;
  description: string;
  render(model: ReportModel): string | Promise<string>;
}
