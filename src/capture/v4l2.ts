import { realpath } from 'node:fs/promises';
import { CameraError } from './errors';
import { describeCameras, listCameras } from './devices';
import { captureAddon, captureErrorCode, type CaptureStreamHandle, type V4l2Device } from './native-capture';
import { NativeFrameSource } from './native-source';
import { negotiateCameraFormat, UnsupportedCameraFormatError, type CameraRequest, type NegotiatedFormat } from './v4l2-negotiate';

/**
 * V4L2 cameras (USB UVC, CSI sensors exposed as V4L2) through the addon's mmap streaming
 * (addon/src/capture/v4l2.cc): a ring of driver buffers; YUYV and NV12 frames are the driver's
 * buffers themselves (lent to JS, re-queued when released), MJPEG is decoded by libjpeg-turbo
 * into a small pool of reused RGB buffers. Latest-frame delivery: a slow consumer gets the newest
 * frame; older ones go back to the driver and are counted in `stats().dropped`.
 *
 * Failures: a missing device → `CameraError` (code ENOENT) listing the cameras that exist; a node
 * that is not a camera (e.g. /dev/null) → ENOTV4L2; a format the camera lacks → EFORMAT with the
 * formats it has; the camera unplugged mid-stream → the frames iterator throws a FrameSourceError
 * ("camera disconnected ..."); no frame within `firstFrameTimeoutMs` of starting → ETIMEDOUT.
 */
export interface V4l2Options extends Partial<CameraRequest> {
  /** Frames the consumer may hold at once through the raw stream (default 2). */
  readonly maxLent?: number;
  /** Default 5000. */
  readonly firstFrameTimeoutMs?: number;
}

export const DEFAULT_CAMERA_REQUEST: CameraRequest = { width: 640, height: 480, fps: 30, format: 'auto' };

function cameraList(devices: readonly V4l2Device[]): string {
  return `cameras here: ${devices.length ? describeCameras(devices).replace(/\n/g, '; ') : 'none found'}`;
}

async function findDevice(path: string, devices: readonly V4l2Device[]): Promise<V4l2Device | undefined> {
  const real = await realpath(path).catch(() => path);
  return devices.find((d) => d.path === path || d.path === real);
}

/** Open a camera at the mode nearest to `options` (see `negotiateCameraFormat`) and wait for its first frame. */
export async function openV4l2(path: string, options: V4l2Options = {}): Promise<NativeFrameSource & { negotiated: NegotiatedFormat }> {
  const request: CameraRequest = {
    width: options.width ?? DEFAULT_CAMERA_REQUEST.width,
    height: options.height ?? DEFAULT_CAMERA_REQUEST.height,
    fps: options.fps ?? DEFAULT_CAMERA_REQUEST.fps,
    format: options.format ?? DEFAULT_CAMERA_REQUEST.format,
  };
  const name = path;
  const devices = listCameras();
  const device = await findDevice(path, devices);
  let negotiated: NegotiatedFormat;
  if (device && !device.error) {
    try {
      negotiated = negotiateCameraFormat(device.formats, request);
    } catch (error) {
      if (!(error instanceof UnsupportedCameraFormatError)) throw error;
      throw new CameraError(name, `${name}: ${error.message}`, 'EFORMAT', { cause: error });
    }
  } else {
    // Not in the list (missing, not a camera, not readable): let the open say why, exactly.
    negotiated = { fourcc: request.format === 'auto' ? 'YUYV' : request.format.toUpperCase().replace('MJPEG', 'MJPG'), width: request.width, height: request.height, fps: request.fps, exact: false };
  }

  let stream: CaptureStreamHandle;
  try {
    stream = new (captureAddon().CaptureStream)('v4l2', path, {
      fourcc: negotiated.fourcc,
      width: negotiated.width,
      height: negotiated.height,
      intervalNumerator: negotiated.intervalNumerator,
      intervalDenominator: negotiated.intervalDenominator,
      maxLent: options.maxLent,
    });
  } catch (cause) {
    const code = captureErrorCode(cause) ?? 'ECAPTURE';
    const list = code === 'ENOENT' || code === 'ENOTV4L2' ? `; ${cameraList(devices)}` : '';
    throw new CameraError(name, `${(cause as Error).message}${list}`, code, { cause });
  }
  const opened = stream.info() as { fourcc: string; width: number; height: number; fps: number | null };
  // Report what the driver actually set, which can differ from what was asked.
  negotiated = { ...negotiated, fourcc: opened.fourcc, width: opened.width, height: opened.height, fps: opened.fps ?? negotiated.fps };
  const source = await NativeFrameSource.start(stream, {
    name,
    fps: negotiated.fps,
    frameCount: undefined,
    live: true,
    firstFrameTimeoutMs: options.firstFrameTimeoutMs ?? 5000,
  });
  return Object.assign(source, { negotiated });
}
