import { readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { captureAddon, type GstreamerInfo, type V4l2Device } from './native-capture';
import { summarizeFormats } from './v4l2-negotiate';

/**
 * The V4L2 cameras of this machine (/dev/video*, capture nodes only: a UVC camera's metadata node
 * is left out), each with its formats, frame sizes and frame rates. A node that exists but cannot
 * be opened (permissions, busy) is listed with its `error`. `dir` is for tests.
 */
export function listCameras(dir = '/dev'): V4l2Device[] {
  return captureAddon().listV4l2Devices(dir);
}

/**
 * The name that follows a camera across re-plugs: udev's /dev/v4l/by-id link (the same camera on any
 * USB port), else its by-path link (the same port), else the node itself. /dev/videoN numbers are
 * handed out in plug order, so two cameras plugged back in the other order swap them. `v4lDir` is for
 * tests.
 */
export function stableCameraPath(node: string, v4lDir = '/dev/v4l'): string {
  let target: string;
  try {
    target = realpathSync(node);
  } catch {
    return node;
  }
  for (const kind of ['by-id', 'by-path']) {
    let names: string[];
    try {
      names = readdirSync(path.join(v4lDir, kind)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const link = path.join(v4lDir, kind, name);
      try {
        if (realpathSync(link) === target) return link;
      } catch {
        // a dangling link: a camera that just went
      }
    }
  }
  return node;
}

/** Whether GStreamer and the elements vtlink uses are installed. */
export function gstreamerStatus(): GstreamerInfo {
  return captureAddon().gstreamerInfo();
}

/** One line per camera and one per format, for `vtlink devices` and error messages. */
export function describeCameras(devices: readonly V4l2Device[]): string {
  if (devices.length === 0) return 'no cameras found';
  return devices
    .map((d) => {
      if (d.error) return `${d.path}: ${d.error}`;
      const head = `${d.path}: ${d.card ?? '?'} (${d.driver ?? '?'}${d.bus ? `, ${d.bus}` : ''})`;
      const formats = summarizeFormats(d.formats).map((f) => `  ${f}`);
      return [head, ...(formats.length ? formats : ['  no formats listed'])].join('\n');
    })
    .join('\n');
}

/** One line about GStreamer: version and which of the interesting elements exist. */
export function describeGstreamer(info: GstreamerInfo): string {
  if (!info.available) return `GStreamer: not available (${info.error ?? 'unknown reason'})`;
  const elements = Object.entries(info.elements ?? {})
    .map(([name, present]) => `${name} ${present ? 'yes' : 'no'}`)
    .join(', ');
  return `${info.version ?? 'GStreamer'}: ${elements}`;
}
