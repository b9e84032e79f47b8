/**
 * The ONE settings schema (zod 4). The service validates its settings file with it, the HTTP API
 * validates patches with it (see patch.ts), and the browser UI builds its forms from
 * `settingsJsonSchema()` (limits, defaults, titles and descriptions all come from here).
 *
 * This file must stay browser-safe: no node: imports.
 *
 * Every field has a default, so `{}` parses to the package defaults and a field deleted by a merge
 * patch (null) goes back to its default. Every object is strict: unknown fields are refused, so a
 * typo in a patch is an error rather than a silently ignored setting.
 */
import { z } from 'zod';

// ── Reusable field types ──────────────────────────────────────────────────────────────────────────

const ipv4 = z.ipv4();
const ipv6 = z.ipv6();
const hostname = z.hostname();

/** A target host for an output: an IPv4/IPv6 address or a DNS name (e.g. "192.168.1.20", "pc.local"). */
const host = z
  .string()
  .min(1)
  .max(253)
  .refine((v) => ipv4.safeParse(v).success || ipv6.safeParse(v).success || hostname.safeParse(v).success, {
    message: 'must be an IPv4 address, an IPv6 address or a host name',
  });

/** A local address to listen on ("0.0.0.0" = all IPv4, "::" = all IPv6 and IPv4, "127.0.0.1" = kiosk only). */
const bindAddress = z
  .string()
  .min(1)
  .max(64)
  .refine((v) => ipv4.safeParse(v).success || ipv6.safeParse(v).success, {
    message: 'must be an IPv4 or IPv6 address of this machine (e.g. 0.0.0.0, ::, 127.0.0.1)',
  });

const port = z.int().min(1).max(65535);

const rateHz = (def: number, max = 120) =>
  z.int().min(1).max(max).default(def).meta({ unit: 'Hz', description: 'Most messages sent per second' });

/** Most receivers one network output sends to. */
export const MAX_OUTPUT_TARGETS = 8;

/**
 * The receivers of a network output: one or more host and port pairs, each sent every frame. The same
 * host and port twice is refused (it would receive every frame twice); hosts compare without case.
 */
function targets(defaultPort: number) {
  return z
    .array(z.strictObject({ host: host.meta({ title: 'Host' }), port: port.meta({ title: 'Port' }) }))
    .min(1, { message: 'needs at least one target (switch the output off to send nowhere)' })
    .max(MAX_OUTPUT_TARGETS, { message: `at most ${MAX_OUTPUT_TARGETS} targets` })
    .check((ctx) => {
      const seen = new Map<string, number>();
      ctx.value.forEach((t, i) => {
        const key = `${t.host.toLowerCase()}:${t.port}`;
        const first = seen.get(key);
        if (first === undefined) seen.set(key, i);
        else ctx.issues.push({ code: 'custom', message: `same host and port as target ${first + 1}`, input: t, path: [i] });
      });
    })
    .default(() => [{ host: '127.0.0.1', port: defaultPort }])
    .meta({ title: 'Targets', description: `Host and port of each PC to send to (up to ${MAX_OUTPUT_TARGETS})` });
}

const hexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, { message: 'must be a colour like #ff8800' });

/** Serial line speeds a USB-serial adapter or a hobby board will actually accept. */
export const STANDARD_BAUD_RATES = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1000000, 2000000] as const;

/**
 * Camera sources: "demo" (the built-in animated face), "v4l2:/dev/videoN", "gst:<pipeline>", or a
 * file/folder path (video, still image, image folder). An unknown "scheme:" prefix is refused, so a
 * typo such as "v4l:/dev/video0" is caught here rather than as a missing file later.
 */
function cameraSourceProblem(v: string): string | null {
  if (v.includes('\0')) return 'must not contain NUL characters';
  if (v === 'demo') return null;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(v)?.[1];
  if (scheme === undefined) return null; // a file path
  if (scheme === 'v4l2') return /^v4l2:\/dev\/\S+$/.test(v) ? null : 'a V4L2 source is v4l2:/dev/videoN';
  if (scheme === 'gst') return v.slice(4).trim() ? null : 'a GStreamer source is gst:<pipeline> with a non-empty pipeline';
  return `unknown source kind "${scheme}:" (use demo, v4l2:/dev/videoN, gst:<pipeline> or a file path)`;
}

const cameraSource = z
  .string()
  .min(1)
  .max(4096)
  .check((ctx) => {
    const problem = cameraSourceProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });

/**
 * An object section whose default is its own fields' defaults, so a missing (or deleted) section is
 * filled in, and the JSON Schema shows the full default object to the UI.
 */
function section<T extends z.ZodObject>(schema: T) {
  return schema.default(() => schema.parse({}) as z.core.util.NoUndefined<z.output<T>>);
}

// ── Sections ──────────────────────────────────────────────────────────────────────────────────────

const Camera = z.strictObject({
  source: cameraSource
    .default('demo')
    .meta({ title: 'Source', description: 'demo, v4l2:/dev/videoN, gst:<pipeline>, or a video/image file or folder path' }),
  width: z.int().min(16).max(4096).default(640).meta({ title: 'Width', unit: 'px', description: 'Requested capture width' }),
  height: z.int().min(16).max(4096).default(480).meta({ title: 'Height', unit: 'px', description: 'Requested capture height' }),
  fps: z.int().min(1).max(120).default(30).meta({ title: 'Frame rate', unit: 'fps', description: 'Requested capture frame rate' }),
  format: z
    .enum(['auto', 'yuyv', 'nv12', 'mjpeg'])
    .default('auto')
    .meta({ title: 'Pixel format', description: 'Capture pixel format; auto picks the best the camera offers' }),
  mirror: z.boolean().default(false).meta({ title: 'Mirror', description: 'Flip the image left-right before tracking' }),
});

const Tracking = z.strictObject({
  detector: z
    .enum(['front', 'back', 'retinaface'])
    .default('front')
    .meta({
      title: 'Detector',
      description: 'front: face within about 2 m (webcam); back: smaller, farther faces; retinaface: your RetinaFace-MobileNet ONNX (below)',
    }),
  retinafaceModel: z
    .string()
    .max(4096)
    .default('')
    .meta({ title: 'RetinaFace model', description: 'Path of a RetinaFace-MobileNet ONNX file (NCHW input; boxes, scores, optional landmarks), used when the detector is retinaface' }),
  landmarks: z
    .enum(['mesh-iris', 'attention'])
    .default('mesh-iris')
    .meta({ title: 'Landmark models', description: 'mesh-iris: FaceMesh, then the Iris model on each eye; attention: one model for the mesh, lips, eyes and irises (faster, steadier lips and eyes; a little more jitter on small faces)' }),
  threads: z.int().min(1).max(4).default(1).meta({ title: 'Threads', description: 'Inference threads per model' }),
  inferenceWorkers: z
    .int()
    .min(0)
    .max(3)
    .default(0)
    .meta({ title: 'Inference workers', description: 'Threads the models run on, off the service loop: 0 = one per CPU core but one (left to the kiosk), at least 1, at most 3; 1 = one for every model; 2 = the next frame\'s mesh beside the irises; 3 = and the two eyes apart' }),
  // Defaults match DEFAULT_LANDMARK_SMOOTHING in src/tracking/tracker.ts (a test checks they agree).
  smoothing: section(
    z.strictObject({
      enabled: z.boolean().default(true).meta({ title: 'Smoothing', description: 'One Euro filtering of landmarks' }),
      minCutoff: z
        .number()
        .min(0.01)
        .max(30)
        .default(0.5)
        .meta({ title: 'Minimum cutoff', unit: 'Hz', description: 'Lower = steadier when still, more lag' }),
      beta: z.number().min(0).max(10).default(0.2).meta({ title: 'Speed coefficient', description: 'Higher = less lag on fast moves' }),
      dCutoff: z.number().min(0.01).max(30).default(1).meta({ title: 'Derivative cutoff', unit: 'Hz', description: 'Smoothing of the speed estimate' }),
    }),
  ).meta({ title: 'Smoothing' }),
  sensitivity: section(
    z.strictObject({
      eyes: z.number().min(0.5).max(2).default(1).meta({ title: 'Eyes', description: 'Multiplier on eye openness changes' }),
      mouth: z.number().min(0.5).max(2).default(1).meta({ title: 'Mouth', description: 'Multiplier on mouth movement' }),
      brows: z.number().min(0.5).max(2).default(1).meta({ title: 'Brows', description: 'Multiplier on eyebrow movement' }),
    }),
  ).meta({ title: 'Sensitivity' }),
  autoCalibration: z
    .boolean()
    .default(true)
    .meta({ title: 'Automatic calibration', description: 'Learns your resting face and your range of movement over the first minutes of tracking' }),
  meshThreshold: z
    .number()
    .min(0.05)
    .max(0.95)
    .default(0.5)
    .meta({ title: 'Face presence threshold', description: 'Mesh score below which the face counts as lost and is re-detected' }),
  focalScale: z
    .number()
    .min(0.3)
    .max(3)
    .default(1)
    .meta({ title: 'Focal length', description: 'Camera focal length as a multiple of the image width (1 = about 53° field of view)' }),
});

const Calibration = z.strictObject({
  neutral: z
    .strictObject({
      values: z.array(z.number()).min(1).max(256).meta({ description: 'Raw feature metrics of the neutral face' }),
      capturedAt: z.iso.datetime().meta({ description: 'When the neutral face was captured (ISO 8601, UTC)' }),
    })
    .nullable()
    .default(null)
    .meta({ title: 'Neutral face', description: 'The user’s relaxed face; null = the canonical face model' }),
});

const Vmc = z.strictObject({
  enabled: z.boolean().default(false).meta({ title: 'VMC protocol', description: 'Send OSC/VMC to VSeeFace, VNyan, Warudo…' }),
  targets: targets(39539),
  bundled: z.boolean().default(true).meta({ title: 'Bundled', description: 'Send OSC bundles (turn off for receivers that cannot read them)' }),
  rateHz: rateHz(30),
});

const OpenSeeFace = z.strictObject({
  enabled: z.boolean().default(false).meta({ title: 'OpenSeeFace', description: 'Send OpenSeeFace tracker packets (VSeeFace)' }),
  targets: targets(11573),
});

const VrChat = z.strictObject({
  enabled: z
    .boolean()
    .default(false)
    .meta({ title: 'VRChat OSC', description: 'Send face tracking to VRChat as avatar parameters (VRCFaceTracking v2 names)' }),
  targets: targets(9000),
  rateHz: rateHz(30, 60),
  binaryBits: z
    .int()
    .min(0)
    .max(8)
    .default(0)
    .meta({
      title: 'Binary parameter bits',
      description: 'Also send each value as bool bits (Name1, Name2, Name4…) for avatars that use binary parameters: the bit count their setup uses; 0 = floats only',
    }),
});

const Serial = z.strictObject({
  enabled: z.boolean().default(false).meta({ title: 'Serial line', description: 'Stream to a microcontroller over a serial port' }),
  path: z
    .string()
    .regex(/^\/[^\0]*$/, { message: 'must be an absolute device path such as /dev/ttyACM0' })
    .max(1024)
    .default('/dev/ttyACM0')
    .meta({ title: 'Port' }),
  baud: z.literal(STANDARD_BAUD_RATES).default(115200).meta({ title: 'Baud rate' }),
  format: z.enum(['binary', 'jsonl']).default('binary').meta({ title: 'Format', description: 'binary: framed with CRC; jsonl: one JSON object per line' }),
  rateHz: rateHz(30),
});

const VtubeStudio = z.strictObject({
  enabled: z.boolean().default(false).meta({ title: 'VTube Studio', description: 'Inject parameters through the VTube Studio plugin API' }),
  url: z
    .url({ protocol: /^wss?$/, message: 'must be a ws:// or wss:// URL' })
    .max(2048)
    .default('ws://localhost:8001')
    .meta({ title: 'API address' }),
  rateHz: rateHz(30, 60),
});

const WebSocketStream = z.strictObject({
  enabled: z.boolean().default(true).meta({ title: 'Tracking stream', description: 'WebSocket stream of tracking frames (the UI and OBS overlays)' }),
  maxRateHz: z.int().min(1).max(120).default(60).meta({ title: 'Maximum rate', unit: 'Hz', description: 'Cap on frames per second per client' }),
});

const Outputs = z.strictObject({
  vmc: section(Vmc).meta({ title: 'VMC protocol' }),
  openSeeFace: section(OpenSeeFace).meta({ title: 'OpenSeeFace' }),
  vrchat: section(VrChat).meta({ title: 'VRChat OSC' }),
  serial: section(Serial).meta({ title: 'Serial line' }),
  vtubeStudio: section(VtubeStudio).meta({ title: 'VTube Studio' }),
  websocket: section(WebSocketStream).meta({ title: 'Tracking stream' }),
});

const Avatar = z.strictObject({
  choice: z
    .string()
    .regex(/^(psd:)?[a-z0-9][a-z0-9_-]{0,63}$/, { message: 'must be an avatar id (lower-case letters, digits, - and _), or psd:<pack id> for an imported avatar' })
    .default('default')
    .meta({ title: 'Avatar', description: 'one of the built-in characters, or psd:<pack id> for an avatar imported from a PSD' }),
  colours: section(
    z.strictObject({
      primary: hexColour.default('#7c5cff').meta({ title: 'Primary colour' }),
      accent: hexColour.default('#ff7eb6').meta({ title: 'Accent colour' }),
    }),
  ).meta({ title: 'Colours' }),
  background: z
    .enum(['scene', 'green', 'transparent', 'colour'])
    .default('scene')
    .meta({ title: 'Background', description: 'scene, green screen, transparent (for OBS browser sources), or the background colour' }),
  backgroundColour: hexColour.default('#000000').meta({ title: 'Background colour', description: 'used when the background is "colour"' }),
});

const Display = z.strictObject({
  avatarOnly: z
    .boolean()
    .default(false)
    .meta({ title: 'Full-screen avatar', description: 'The screen (and HDMI out) shows only the avatar on its background, no UI; tap the screen for the way back' }),
  previewEnabled: z.boolean().default(true).meta({ title: 'Camera preview', description: 'Show the camera image with the tracked mesh' }),
  previewFps: z.int().min(1).max(30).default(15).meta({ title: 'Preview rate', unit: 'fps' }),
  brightness: z
    .int()
    .min(5)
    .max(100)
    .nullable()
    .default(null)
    .meta({ title: 'Screen brightness', unit: '%', description: 'Backlight level; null leaves it as the system set it' }),
});

const Network = z.strictObject({
  allowRemoteChanges: z
    .boolean()
    .default(true)
    .meta({ title: 'Remote changes', description: 'Let other hosts change settings after pairing with the PIN shown on screen' }),
  readOnlyStream: z
    .boolean()
    .default(true)
    .meta({ title: 'Open tracking stream', description: 'Let other hosts watch the tracking stream without pairing (OBS overlays)' }),
  port: port.default(8080).meta({ title: 'HTTP port' }),
  bind: bindAddress.default('0.0.0.0').meta({ title: 'Listen address', description: '0.0.0.0 = all networks; 127.0.0.1 = this device only' }),
});

export const SettingsSchema = z.strictObject({
  camera: section(Camera).meta({ title: 'Camera' }),
  tracking: section(Tracking).meta({ title: 'Tracking' }),
  calibration: section(Calibration).meta({ title: 'Calibration' }),
  outputs: section(Outputs).meta({ title: 'Outputs' }),
  avatar: section(Avatar).meta({ title: 'Avatar' }),
  display: section(Display).meta({ title: 'Display' }),
  network: section(Network).meta({ title: 'Network' }),
});

/** The full, validated settings: every field present. */
export type Settings = z.output<typeof SettingsSchema>;
/** What may be written in a settings file or a full replacement: any field may be left out. */
export type SettingsInput = z.input<typeof SettingsSchema>;

/** A fresh copy of the package defaults (callers may modify it). */
export function defaultSettings(): Settings {
  return SettingsSchema.parse({});
}

/**
 * JSON Schema (draft 2020-12) of the settings as the UI edits them: types, enums, min/max, defaults,
 * and the `title`/`description`/`unit` annotations for form labels. Checks that JSON Schema cannot
 * express (host names, camera source kinds) are enforced by the API, whose errors name the field.
 */
export function settingsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(SettingsSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
