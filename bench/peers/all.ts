/**
 * Script: the whole "Peers" section of bench/RESULTS.md in one run (about half a minute here):
 * Human on a video (its video caching, and with caching off), then OpenSeeFace's models in raw ORT.
 *   bash bench/run.sh bench/peers/all.ts [--video PATH] [--nocache-frames N] [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from '../lib/args';
import { commandLine } from '../lib/command';
import { formatMachineInfo, machineInfo } from '../lib/machine';
import { sharedDataDir } from '../lib/paths';
import { formatTable } from '../lib/table';
import { decodeVideoFrames } from '../lib/video-frames';
import { HUMAN_STILL_CACHING, runHumanPeer } from './human-peer';
import { humanResultNotes, humanResultRow } from './human-report';
import { runOpenSeeFaceRaw } from './openseeface-raw';
import { openSeeFaceModelRows, openSeeFaceNotes, openSeeFacePerFrameRows } from './openseeface-report';

const args = parseArgs();
const machineAtStart = machineInfo();
const video = args.get('video') ?? path.join(sharedDataDir(), 'video/cap13_edit2.mp4');
const decoded = await decodeVideoFrames(video);
const name = path.basename(video);

const cached = await runHumanPeer(decoded.frames, { warmupFrames: 20, keepLandmarks: false });
const uncached = await runHumanPeer(decoded.frames, {
  ...HUMAN_STILL_CACHING,
  warmupFrames: 20,
  maxFrames: args.number('nocache-frames', 300),
  keepLandmarks: false,
});
const osf = await runOpenSeeFaceRaw();

const out: string[] = [];
out.push('### Human (WASM) on video');
out.push('');
out.push(
  formatTable([
    { ...humanResultRow(cached, name), peer: 'Human 3.3.6 (tfjs-wasm), video caching' },
    { ...humanResultRow(uncached, name), peer: 'Human 3.3.6 (tfjs-wasm), detector every frame' },
  ]),
);
out.push('');
out.push(humanResultNotes(cached));
out.push('- "detector every frame": cacheSensitivity 0, skipFrames 0, skipTime 0 (what humanFaceForImage uses for stills).');
out.push('');
out.push('### OpenSeeFace models, raw onnxruntime-node');
out.push('');
const osfRows = openSeeFaceModelRows(osf);
if (osfRows.length) {
  out.push(formatTable(osfRows));
  out.push('');
}
if (osf.perFrame.length) {
  out.push(formatTable(openSeeFacePerFrameRows(osf)));
  out.push('');
}
out.push(openSeeFaceNotes(osf));
out.push('');
out.push('Machine:');
out.push(formatMachineInfo());
out.push(`- load average (1 min) when the run started: ${machineAtStart.loadAverage1m.toFixed(2)}`);
out.push('');
out.push(`Command: \`${commandLine('bench/peers/all.ts', process.argv.slice(2))}\``);
console.log(out.join('\n'));

const jsonOut = args.get('json');
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ machine: machineAtStart, humanCached: cached, humanUncached: uncached, openSeeFace: osf }, null, 1));
