import { describeCameras, describeGstreamer, gstreamerStatus, listCameras } from '../capture/devices';

/**
 * `vtlink devices`: the V4L2 cameras with their formats, sizes and frame rates, and whether
 * GStreamer (and the elements vtlink uses, the Jetson's included) is installed. With --json one
 * object { cameras, gstreamer } on stdout.
 */
export function runDevices(options: { json: boolean }): number {
  const cameras = listCameras();
  const gstreamer = gstreamerStatus();
  if (options.json) {
    console.log(JSON.stringify({ cameras, gstreamer }));
    return 0;
  }
  console.log(describeCameras(cameras));
  console.log(describeGstreamer(gstreamer));
  return 0;
}
