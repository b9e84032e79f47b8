/** Clock and memory readings for benchmarks. */
import { performance } from 'node:perf_hooks';

/** Monotonic milliseconds with sub-millisecond resolution. */
export function nowMs(): number {
  return performance.now();
}

/** Peak resident set size of this process so far, in MiB (Linux reports maxRSS in KiB). */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Current resident set size in MiB. */
export function currentRssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

/**
 * CPU time (user + system, all threads) this process has used, in ms. On a shared machine the CPU
 * time per frame is steadier than wall time: it does not grow while other processes hold the cores.
 */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
