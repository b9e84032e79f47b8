/**
 * Script: times Human (WASM) on a video's frames and prints a markdown table.
 *   bash bench/run.sh bench/peers/human.ts [--video PATH] [--frames N] [--warmup N] [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from '../lib/args';
import { commandLine } from '../lib/command';
import { formatMachineInfo } from '../lib/machine';
import { sharedDataDir } from '../lib/paths';
import { formatTable } from '../lib/table';
import { decodeVideoFrames } from '../lib/video-frames';
import { runHumanPeer } from './human-peer';
import { humanResultNotes, humanResultRow } from './human-report';

const args = parseArgs();
const video = args.get('video') ?? path.join(sharedDataDir(), 'video/cap13_edit2.mp4');
const warmupFrames = args.number('warmup', 20);
const maxFrames = args.number('frames', Number.POSITIVE_INFINITY);
const decoded = await decodeVideoFrames(video, warmupFrames + maxFrames);
const result = await runHumanPeer(decoded.frames, { warmupFrames, keepLandmarks: false });

console.log(formatTable([humanResultRow(result, path.basename(video))]));
console.log();
console.log(humanResultNotes(result));
console.log(formatMachineInfo());
console.log(`\nCommand: \`${commandLine('bench/peers/human.ts', process.argv.slice(2))}\``);
const jsonOut = args.get('json');
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 1));
