/**
 * The cameras the settings UI may offer. The built-in demo is always there.
 * TODO(capture): add the V4L2 devices (src/capture/devices.ts listCameras) once that module lands.
 */
import type { DeviceInfo } from './control';

export async function listDevices(): Promise<DeviceInfo[]> {
  return [{ source: 'demo', name: 'Built-in demo face', formats: [{ format: 'rgb', width: 640, height: 480, fps: [30] }] }];
}
