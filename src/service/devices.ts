/**
 * The cameras the settings UI may offer: the built-in demo, then every V4L2 capture node with its
 * formats (format names as settings.camera.format spells them where it has one). A camera's source
 * names it by its stable udev link where it has one, so the saved choice survives re-plugging.
 */
import { listCameras, stableCameraPath } from '../capture/devices';
import type { V4l2Device } from '../capture/native-capture';
import type { DeviceInfo } from './control';

const DEMO: DeviceInfo = { source: 'demo', name: 'Built-in demo face', formats: [{ format: 'rgb', width: 640, height: 480, fps: [30] }] };

const FORMAT_NAMES: Record<string, string> = { YUYV: 'yuyv', NV12: 'nv12', MJPG: 'mjpeg' };

export function devicesFrom(cameras: readonly V4l2Device[], stablePath: (node: string) => string = stableCameraPath): DeviceInfo[] {
  const out: DeviceInfo[] = [DEMO];
  for (const camera of cameras) {
    const formats: DeviceInfo['formats'] = [];
    for (const f of camera.formats) {
      for (const size of f.sizes) {
        const fps = [...new Set(size.intervals.map((i) => Math.round((i.denominator / i.numerator) * 100) / 100))].sort((a, b) => b - a);
        formats.push({ format: FORMAT_NAMES[f.fourcc] ?? f.fourcc.toLowerCase(), width: size.width, height: size.height, fps });
      }
    }
    const name = camera.error ? `${camera.card ?? camera.path} (${camera.error})` : (camera.card ?? camera.path);
    out.push({ source: `v4l2:${stablePath(camera.path)}`, name, formats });
  }
  return out;
}

export async function listDevices(): Promise<DeviceInfo[]> {
  try {
    return devicesFrom(listCameras());
  } catch {
    // No capture support in this build (or no /dev): the demo still works.
    return [DEMO];
  }
}
