/**
 * API fuzz while the service tracks: the real service (VtlinkService on the built-in demo input,
 * paced at 30 fps like a camera) with the real HTTP/WebSocket server in the same process, as
 * `vtlink run` has them. 10,000 random and malformed requests (test/server-fuzz-requests.ts) come
 * from another host (a network namespace over a veth pair; needs root) in a separate process, with
 * the per-address rate limit lifted so every request reaches a handler (the worst case). A stream
 * client takes full-detail frames throughout. Tracking is measured before, during and after:
 * frames a second, frame-to-frame gaps, and the tracker's own per-frame time.
 *
 *   bash bench/run.sh bench/api-fuzz.ts [--requests 10000] [--baseline 20] [--concurrency 8]
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { SettingsStore } from '../src/config';
import { startServer } from '../src/server';
import { VtlinkService } from '../src/service/service';
import { randomRequest } from '../test/server-fuzz-requests';
import { RemoteHost, tempDir } from '../test/server-helpers';
import { seededRandom } from '../test/helpers/random';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    baseline: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
  },
});
const totalRequests = Number(values.requests);
const baselineS = Number(values.baseline);
const concurrency = Number(values.concurrency);
const agent = path.resolve('test/server-remote-agent.mjs');
if (!existsSync(agent)) throw new Error(`run from the repository root (${agent} is missing)`);

interface Window {
  label: string;
  seconds: number;
  frames: number;
  gaps: number[];
  trackMs: number[];
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function main(): Promise<void> {
  const tmp = await tempDir('vtlink-api-fuzz-');
  const store = await SettingsStore.open({ stateDir: path.join(tmp.dir, 'state') });
  const service = await VtlinkService.start({ store });
  const server = await startServer(service, {
    port: 0,
    bind: '0.0.0.0',
    stateDir: store.dir,
    log: () => undefined,
    limits: { requestsPerSecond: 1e6, requestBurst: 1e6, maxConnectionsPerAddress: 256 },
  });
  const remote = await RemoteHost.create(agent);
  await service.firstFrame;

  // Frame arrival times and the tracker's per-frame time, into whichever window is open.
  let current: Window | null = null;
  let lastAt = 0;
  service.onFrame(() => {
    const now = performance.now();
    if (current) {
      current.frames++;
      if (lastAt) current.gaps.push(now - lastAt);
    }
    lastAt = now;
  });
  const sampler = setInterval(() => current?.trackMs.push(service.status().latency.totalMs), 250);
  const stream = new WebSocket(`ws://127.0.0.1:${server.port}/api/stream?rate=30&detail=full`);
  let streamed = 0;
  stream.on('message', () => streamed++);

  const measure = async (label: string, body: () => Promise<void>): Promise<Window> => {
    const w: Window = { label, seconds: 0, frames: 0, gaps: [], trackMs: [] };
    const t0 = performance.now();
    current = w;
    await body();
    current = null;
    w.seconds = (performance.now() - t0) / 1000;
    process.stderr.write(`api-fuzz: ${label}: ${(w.frames / w.seconds).toFixed(1)} fps over ${w.seconds.toFixed(1)} s\n`);
    return w;
  };
  const sleep = (s: number) => () => new Promise<void>((r) => setTimeout(r, s * 1000));

  await sleep(5)(); // warm-up
  const settingsBefore = JSON.stringify(service.settings());
  const before = await measure('before', sleep(baselineS));
  const rand = seededRandom(20240607);
  const statuses: number[] = [];
  const streamedBefore = streamed;
  const during = await measure('during', async () => {
    for (let i = 0; i < totalRequests; i += 500) {
      const batch = Array.from({ length: Math.min(500, totalRequests - i) }, () => randomRequest(rand, false)).map((r) => ({
        ...r,
        url: r.path ? `http://${remote.hostAddress}:${server.port}${r.path}` : undefined,
        raw: r.rawBase64 ? { host: remote.hostAddress, port: server.port, dataBase64: r.rawBase64, waitMs: 400 } : undefined,
      }));
      statuses.push(...(await remote.call<{ statuses: number[] }>({ op: 'batch', requests: batch, concurrency })).statuses);
    }
  });
  const streamedDuring = streamed - streamedBefore;
  const after = await measure('after', sleep(Math.min(10, baselineS)));
  const settingsAfter = JSON.stringify(service.settings());
  const stats = server.stats();
  const status = service.status();
  clearInterval(sampler);
  stream.close();
  await server.close();
  await service.stop();
  await remote.close();
  await tmp.remove();

  const tally: Record<string, number> = {};
  for (const s of statuses) tally[s] = (tally[s] ?? 0) + 1;
  const lines: string[] = [];
  lines.push(`Service on the demo input (paced at 30 fps), server in the same process; ${totalRequests} fuzz requests from a network namespace (separate process, ${concurrency} at a time, rate limit lifted); one full-detail stream client at 30 Hz.`);
  lines.push(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}.`);
  lines.push('');
  lines.push('| window | seconds | tracked FPS | frame gap p50 (ms) | p99 (ms) | max (ms) | tracker ms/frame p50 | p90 |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const w of [before, during, after]) {
    lines.push(
      `| ${w.label} | ${w.seconds.toFixed(1)} | ${(w.frames / w.seconds).toFixed(1)} | ${quantile(w.gaps, 0.5).toFixed(1)} | ${quantile(w.gaps, 0.99).toFixed(1)} | ${Math.max(...w.gaps).toFixed(1)} | ${quantile(w.trackMs, 0.5).toFixed(1)} | ${quantile(w.trackMs, 0.9).toFixed(1)} |`,
    );
  }
  lines.push('');
  lines.push(`Requests: ${statuses.length} in ${during.seconds.toFixed(1)} s (${(statuses.length / during.seconds).toFixed(0)}/s); answers by status: ${Object.entries(tally).map(([k, v]) => `${k}: ${v}`).join(', ')} (0 = connection closed without an answer, on purpose-incomplete raw requests).`);
  lines.push(`5xx answers: ${statuses.filter((s) => s >= 500).length} (server count ${stats.errors5xx}); settings unchanged: ${settingsBefore === settingsAfter ? 'yes' : 'NO'}; stream frames received during the fuzz: ${streamedDuring} (${(streamedDuring / during.seconds).toFixed(1)}/s); camera dropped frames at the end: ${status.camera.droppedFrames}.`);
  lines.push('');
  lines.push(`Command: bash bench/run.sh bench/api-fuzz.ts --requests ${totalRequests} --baseline ${baselineS} --concurrency ${concurrency}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
