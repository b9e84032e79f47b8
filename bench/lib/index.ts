/** Shared benchmark helpers: statistics, clocks, machine description, tables, video frames. */
export { median, percentile, mean, summarizeTimings, type TimingSummary } from './stats';
export { nowMs, peakRssMb, currentRssMb, processCpuMs } from './timing';
export { formatTable, formatCell, type Row, type Cell, type TableOptions } from './table';
export { machineInfo, formatMachineInfo, type MachineInfo } from './machine';
export { repoRoot, sharedDataDir, installedVersion } from './paths';
export { decodeVideoFrames, type DecodedVideo } from './video-frames';
export { commandLine } from './command';
export { parseArgs, type ParsedArgs } from './args';
