/**
 * Soak: the service (VtlinkService, as `vtlink run` runs it) on a looping video for a long time,
 * with the VMC and OpenSeeFace outputs sending to a local UDP receiver and a frame listener
 * subscribed (as the WebSocket stream would be). Every 10 s: RSS, V8 heap, external memory, FPS.
 * Prints the samples as a table, then min/max and the least-squares slope of RSS (MB per hour),
 * over the whole run and after the first 5 minutes (warm-up: allocator pools, JIT, ORT arenas).
 *
 *   bash bench/run.sh bench/soak.ts [--minutes 30] [--video ../shared/data/video/franck.mp4] [--every 10]
 */
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SettingsStore } from '../src/config';
import { VtlinkService } from '../src/service/service';
import { createLogger } from '../src/system/log';

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '30' }, video: { type: 'string' }, every: { type: 'string', default: '10' } },
});
const minutes = Number(values.minutes);
const everyS = Number(values.every);
const root = process.cwd();
const video = path.resolve(values.video ?? path.join(root, '../shared/data/video/franck.mp4'));
if (!existsSync(video)) throw new Error(`soak: ${video} is missing (../shared/data next to the repository)`);

interface Sample {
  t: number;
  rssMb: number;
  heapMb: number;
  externalMb: number;
  fps: number;
  frames: number;
}

const mb = (bytes: number): number => bytes / (1 << 20);

function slopePerHour(samples: Sample[]): number {
  if (samples.length < 2) return Number.NaN;
  const n = samples.length;
  const mx = samples.reduce((s, p) => s + p.t, 0) / n;
  const my = samples.reduce((s, p) => s + p.rssMb, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of samples) {
    sxy += (p.t - mx) * (p.rssMb - my);
    sxx += (p.t - mx) ** 2;
  }
  return (sxy / sxx) * 3600;
}

function summary(label: string, samples: Sample[]): string {
  const rss = samples.map((s) => s.rssMb);
  const fps = samples.filter((s) => s.t >= everyS / 2).map((s) => s.fps); // the first sample is taken at the first frame
  return `| ${label} | ${samples.length} | ${Math.min(...rss).toFixed(1)} | ${Math.max(...rss).toFixed(1)} | ${slopePerHour(samples).toFixed(2)} | ${Math.min(...fps).toFixed(1)} | ${(fps.reduce((a, b) => a + b, 0) / fps.length).toFixed(1)} |`;
}

async function main(): Promise<void> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'vtlink-soak-'));
  const receiver = createSocket('udp4');
  let datagrams = 0;
  receiver.on('message', () => datagrams++);
  await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
  const port = receiver.address().port;
  const store = await SettingsStore.open({ stateDir });
  await store.save({
    ...store.settings,
    camera: { ...store.settings.camera, source: video },
    outputs: {
      ...store.settings.outputs,
      vmc: { ...store.settings.outputs.vmc, enabled: true, targets: [{ host: '127.0.0.1', port }] },
      openSeeFace: { ...store.settings.outputs.openSeeFace, enabled: true, targets: [{ host: '127.0.0.1', port }] },
    },
  });
  const log = createLogger({ tag: 'soak: ' });
  const service = await VtlinkService.start({ store, log });
  let listened = 0;
  service.onFrame((f) => {
    if (f.face) listened++;
  });
  await service.firstFrame;

  const samples: Sample[] = [];
  const t0 = performance.now();
  const end = t0 + minutes * 60_000;
  const take = (): void => {
    const m = process.memoryUsage();
    const s = service.status();
    const sample = { t: (performance.now() - t0) / 1000, rssMb: mb(m.rss), heapMb: mb(m.heapUsed), externalMb: mb(m.external + m.arrayBuffers), fps: s.fps, frames: s.framesProcessed };
    samples.push(sample);
    process.stderr.write(`soak: t=${sample.t.toFixed(0)} s rss ${sample.rssMb.toFixed(1)} MB heap ${sample.heapMb.toFixed(1)} MB fps ${sample.fps.toFixed(1)} frames ${sample.frames}\n`);
  };
  take();
  for (let k = 1; t0 + k * everyS * 1000 <= end + 1; k++) {
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + k * everyS * 1000 - performance.now())));
    take();
  }
  const status = service.status();
  await service.stop();
  receiver.close();
  await rm(stateDir, { recursive: true, force: true });

  const lines: string[] = [];
  lines.push(`Video ${path.relative(root, video)} looping, paced at its frame rate (24 fps); VMC + OpenSeeFace to a local UDP receiver, one frame listener.`);
  lines.push(`${minutes} min, a sample every ${everyS} s; node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}.`);
  lines.push('');
  lines.push('| t (s) | RSS (MB) | heap (MB) | external+buffers (MB) | FPS | frames |');
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of samples) {
    lines.push(`| ${s.t.toFixed(0)} | ${s.rssMb.toFixed(1)} | ${s.heapMb.toFixed(1)} | ${s.externalMb.toFixed(1)} | ${s.fps.toFixed(1)} | ${s.frames} |`);
  }
  lines.push('');
  lines.push('| window | samples | RSS min (MB) | RSS max (MB) | RSS slope (MB/h) | FPS min | FPS mean |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  lines.push(summary('whole run', samples));
  const settled = samples.filter((s) => s.t >= 300);
  if (settled.length >= 2) lines.push(summary('after 5 min', settled));
  lines.push('');
  lines.push(
    `Frames tracked: ${status.framesProcessed} (face in ${listened}); datagrams received: ${datagrams}; ` +
      `outputs: vmc ${status.outputs.vmc?.status} (${status.outputs.vmc?.framesSent} sent, ${status.outputs.vmc?.errors} errors), ` +
      `openSeeFace ${status.outputs.openSeeFace?.status} (${status.outputs.openSeeFace?.framesSent} sent).`,
  );
  lines.push('');
  lines.push(`Command: bash bench/run.sh bench/soak.ts --minutes ${minutes} --every ${everyS}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
