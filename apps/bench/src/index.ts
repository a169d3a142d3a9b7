/**
 * @tierswap/bench: the studies, each a function returning its results and writing a
 * report (JSON, Markdown, charts, HTML); apps/cli runs them by name. The report kit
 * (createReportWriter, renderChart, progressBar, checkReport) is shared by every study.
 */

export { BENCH_ERROR_CODES, BenchError, type BenchErrorCode } from './benchError.js';
export {
  type ChartSpec,
  type RenderedChart,
  type RenderOptions,
  renderChart,
} from './report/charts.js';
export {
  type BindingVersion,
  bindingVersionSchema,
  type MachineInfo,
  machineInfo,
  machineInfoSchema,
} from './report/machineInfo.js';
export { escapeHtml, type MarkdownOptions, markdownToHtml } from './report/markdown.js';
export { type Progress, type ProgressOptions, progressBar } from './report/progress.js';
export { checkReport, jsonSchemaProblem, localLinks } from './report/reportChecks.js';
export {
  type ChartInput,
  createReportWriter,
  type ReportWriter,
  type ReportWriterOptions,
  readStudyManifests,
  type StudyFiles,
  type StudyInput,
  type StudyManifest,
  studyManifestSchema,
} from './report/reportWriter.js';
export { xmlProblem } from './report/xmlCheck.js';
