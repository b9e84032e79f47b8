import { spawn } from 'node:child_process';
import { DecoderMissingError, FrameSourceError } from './errors';

/** What ffprobe says about a file's first video stream, as the decoder will deliver it. */
export interface VideoInfo {
  /** Frame size after the container's display rotation (ffmpeg applies it when decoding). */
  readonly width: number;
  readonly height: number;
  /** Frames per second (average rate; the nominal rate when the container has no average). */
  readonly fps: number;
  /** Frames in the stream when the container states it (mp4, mov); undefined otherwise. */
  readonly frameCount: number | undefined;
  readonly codec: string;
  /** Stream or container duration in milliseconds, when known. */
  readonly durationMs: number | undefined;
}

interface ProbeJson {
  streams?: Array<{
    codec_name?: string;
    width?: number;
    height?: number;
    r_frame_rate?: string;
    avg_frame_rate?: string;
    nb_frames?: string;
    duration?: string;
    tags?: { rotate?: string };
    side_data_list?: Array<{ rotation?: number }>;
  }>;
  format?: { duration?: string };
}

/**
 * Run ffprobe on `path`. Rejects with `DecoderMissingError` when ffprobe cannot be started and with
 * `FrameSourceError` (carrying ffprobe's own message) when the file is not a readable video.
 */
export async function probeVideo(path: string, ffprobePath = 'ffprobe'): Promise<VideoInfo> {
  const args = [
    '-v', 'error',
    '-select_streams', 'v:0',
    '-show_entries',
    'stream=codec_name,width,height,r_frame_rate,avg_frame_rate,nb_frames,duration:stream_tags=rotate:stream_side_data=rotation:format=duration',
    '-of', 'json',
    path,
  ];
  const { code, stdout, stderr } = await runProgram(path, ffprobePath, args);
  if (code !== 0) {
    throw new FrameSourceError(path, `${path}: not a readable video: ${firstLines(stderr) || `ffprobe exited with ${code}`}`);
  }
  let json: ProbeJson;
  try {
    json = JSON.parse(stdout) as ProbeJson;
  } catch (cause) {
    throw new FrameSourceError(path, `${path}: ffprobe gave unreadable output`, { cause });
  }
  const stream = json.streams?.[0];
  if (!stream || !stream.width || !stream.height) {
    throw new FrameSourceError(path, `${path}: no video stream in this file`);
  }
  const fps = parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate);
  if (!fps) throw new FrameSourceError(path, `${path}: the video stream has no frame rate`);
  const rotation = Number(stream.side_data_list?.find((s) => s.rotation !== undefined)?.rotation ?? stream.tags?.rotate ?? 0);
  const quarterTurn = Math.abs(Math.round(rotation / 90)) % 2 === 1;
  const frames = Number(stream.nb_frames);
  const duration = Number(stream.duration ?? json.format?.duration);
  return {
    width: quarterTurn ? stream.height : stream.width,
    height: quarterTurn ? stream.width : stream.height,
    fps,
    frameCount: Number.isInteger(frames) && frames > 0 ? frames : undefined,
    codec: stream.codec_name ?? 'unknown',
    durationMs: Number.isFinite(duration) && duration > 0 ? duration * 1000 : undefined,
  };
}

/** "30000/1001" → 29.97; undefined for "0/0" and junk. */
function parseRate(rate: string | undefined): number | undefined {
  if (!rate) return undefined;
  const [num, den] = rate.split('/').map(Number);
  const value = den === undefined ? num : num / den;
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The first few lines of a decoder's stderr, joined, for an error message. */
export function firstLines(text: string, max = 3): string {
  const lines = text
    .split('\n')
    // "[h264 @ 0x55d…] Invalid NAL unit size" → "h264: Invalid NAL unit size": addresses are noise.
    .map((l) => l.trim().replace(/^\[([\w,-]+) @ 0x[0-9a-f]+\]\s*/i, '$1: '))
    .filter((l) => l.length > 0);
  return [...new Set(lines)].slice(0, max).join(' / ');
}

function runProgram(source: string, program: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', (cause: NodeJS.ErrnoException) => {
      if (cause.code === 'ENOENT' || cause.code === 'EACCES') reject(new DecoderMissingError(source, program, { cause }));
      else reject(new FrameSourceError(source, `${source}: cannot run ${program} (${cause.message})`, { cause }));
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
