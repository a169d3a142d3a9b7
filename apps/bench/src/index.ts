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
// Studies 2-7 (bench-studies): each returns its data, summary and charts, and adds itself to a report when given one.
export {
  type AgeAdvisorData,
  type AgeAdvisorOptions,
  ageAdvisorSchema,
  ageAdvisorStudy,
  GOOGLE_PROMOTION_SLO,
} from './studies/ageAdvisor.js';
export { compressionCharts } from './studies/compressionCharts.js';
export { hasTool, type NativeRun, runNative } from './studies/compressionNative.js';
export {
  compressionSummary,
  studyId,
  writeCompressionReport,
} from './studies/compressionReport.js';
export {
  type BindingResult,
  type CodecResult,
  type CompressionResult,
  compressionResultSchema,
  type DictionaryResult,
  type Latency,
  type RegionResult,
  type UnitsResult,
} from './studies/compressionResult.js';
export {
  type CompressionStudyOptions,
  compressionStudy,
  parseCodecName,
} from './studies/compressionStudy.js';
export {
  type FairnessData,
  type FairnessOptions,
  fairnessSchema,
  fairnessStudy,
} from './studies/fairness.js';
export {
  type IncompressibleData,
  type IncompressibleOptions,
  incompressibleSchema,
  incompressibleStudy,
} from './studies/incompressible.js';
export {
  type InterfaceABData,
  type InterfaceABOptions,
  interfaceABSchema,
  interfaceABStudy,
} from './studies/interfaceAB.js';
export {
  type PackageBenchmarksData,
  type PackageBenchmarksOptions,
  packageBenchmarksSchema,
  packageBenchmarksStudy,
} from './studies/packageBenchmarks.js';
export {
  STUDIES,
  STUDY_NAMES,
  type StudyEntry,
  type StudyRun,
  type StudyRunOptions,
} from './studies/registry.js';
export type { StudyChart, StudyOptions, StudyOutput, StudyReport } from './studies/studyKit.js';
export {
  DESIGN_COSTS,
  designBytes,
  type SwapMetadataData,
  type SwapMetadataOptions,
  swapMetadataSchema,
  swapMetadataStudy,
} from './studies/swapMetadata.js';
// The studies as command-line commands (apps/bench's own program and `tierswap study`).
export {
  addStudyCommands,
  isUsageError,
  type StudyCommandIo,
  studyUsageLines,
} from './studyCommands.js';
