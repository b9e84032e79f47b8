/**
 * The status as an unpaired host on the network sees it: how the box is doing, not what it is called,
 * where it is, what is plugged in or where it sends (host names, addresses, device and file paths,
 * and the free-text details that may quote them). Same shape as the full status, so one UI reads both;
 * `redacted: true` tells it to offer pairing for the rest.
 */
import type { ServiceStatus } from '../service/control';

export type PublicStatus = ServiceStatus & { redacted: true };

export function publicStatus(s: ServiceStatus): PublicStatus {
  const outputs: ServiceStatus['outputs'] = {};
  for (const [name, o] of Object.entries(s.outputs)) outputs[name] = { status: o.status, framesSent: o.framesSent, errors: o.errors };
  return {
    version: s.version,
    uptimeS: s.uptimeS,
    state: s.state,
    fps: s.fps,
    framesProcessed: s.framesProcessed,
    faceFound: s.faceFound,
    latency: s.latency,
    camera: { source: '', state: s.camera.state, width: s.camera.width, height: s.camera.height, droppedFrames: s.camera.droppedFrames },
    outputs,
    settingsHealth: { status: s.settingsHealth.status, detail: '' },
    network: { hostname: '', addresses: [] },
    // How the screen is doing: numbers and a state, nothing that names or locates anything.
    kiosk: { ...s.kiosk },
    redacted: true,
  };
}
