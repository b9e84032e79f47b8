/**
 * Decodes a video file to RGB frames with the system ffmpeg (benchmarks only; the product has its own
 * capture path). All frames are decoded before timing starts so decoding never competes with the
 * code under test for the CPU.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { RgbImage } from '../../src/vision/image';

export interface VideoInfo {
  width: number;
  height: number;
  fps: number;
}

export interface DecodedVideo extends VideoInfo {
  path: string;
  frames: RgbImage[];
}

export function probeVideo(file: string): VideoInfo {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,r_frame_rate', '-of', 'json', file],
    { encoding: 'utf8' },
  );
  const stream = (JSON.parse(out) as { streams?: { width?: number; height?: number; r_frame_rate?: string }[] }).streams?.[0];
  if (!stream?.width || !stream.height) throw new Error(`ffprobe found no video stream in ${file}`);
  const [num, den] = (stream.r_frame_rate ?? '0/1').split('/').map(Number);
  return { width: stream.width, height: stream.height, fps: den ? num / den : 0 };
}

/** Decodes up to maxFrames frames (default: all) of `file` into packed RGB24 images. */
export async function decodeVideoFrames(file: string, maxFrames = Number.POSITIVE_INFINITY): Promise<DecodedVideo> {
  const info = probeVideo(file);
  const frameBytes = info.width * info.height * 3;
  const args = ['-v', 'error', '-i', file];
  if (Number.isFinite(maxFrames)) args.push('-frames:v', String(maxFrames));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', '-');
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const frames: RgbImage[] = [];
  let current = new Uint8Array(frameBytes);
  let filled = 0;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(frameBytes - filled, chunk.length - offset);
      current.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === frameBytes) {
        frames.push({ width: info.width, height: info.height, data: current });
        current = new Uint8Array(frameBytes);
        filled = 0;
      }
    }
  }
  const code = await new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`ffmpeg failed on ${file} (exit ${code}): ${stderr.trim()}`);
  if (frames.length === 0) throw new Error(`ffmpeg decoded no frames from ${file}`);
  return { ...info, path: file, frames: frames.slice(0, maxFrames) };
}
