/**
 * Preload for measuring the service's event-loop delay: `node --import ./bench/event-loop-probe.mjs
 * dist/vtlink.mjs run --port 0`. After a warm-up (PROBE_WARMUP_S, default 10 s) it samples for
 * PROBE_SECONDS (default 30 s) with perf_hooks.monitorEventLoopDelay, prints max / p99 / p50 on
 * stderr, lists each stall over PROBE_STALL_MS (default 50 ms) with its time, and exits.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

const warmupS = Number(process.env.PROBE_WARMUP_S ?? 10);
const seconds = Number(process.env.PROBE_SECONDS ?? 30);
const stallMs = Number(process.env.PROBE_STALL_MS ?? 50);
const histogram = monitorEventLoopDelay({ resolution: 5 });
const stalls = [];
const t0 = performance.now();
let last = performance.now();
// A 5 ms tick: how late each tick runs is the stall that held it.
const tick = setInterval(() => {
  const now = performance.now();
  const late = now - last - 5;
  if (late > stallMs && now - t0 > warmupS * 1000) stalls.push(`${((now - t0) / 1000).toFixed(2)}s:${late.toFixed(0)}ms`);
  last = now;
}, 5);
tick.unref();
setTimeout(() => histogram.enable(), warmupS * 1000).unref();
setTimeout(() => {
  histogram.disable();
  const ms = (ns) => (ns / 1e6).toFixed(1);
  process.stderr.write(
    `event-loop delay over ${seconds} s: max ${ms(histogram.max)} ms, p99 ${ms(histogram.percentile(99))} ms, p50 ${ms(histogram.percentile(50))} ms, mean ${ms(histogram.mean)} ms\n` +
      `stalls > ${stallMs} ms: ${stalls.length} ${stalls.slice(0, 40).join(' ')}\n`,
  );
  process.kill(process.pid, 'SIGTERM');
}, (warmupS + seconds) * 1000).unref();
