/**
 * vtlink's command line: `vtlink track PATH...`, `vtlink demo`. Run `vtlink help` for usage.
 */
import { parseArgs } from 'node:util';
import { runDemo } from './commands/demo';
import { runService } from './commands/run';
import { runDevices } from './commands/devices';
import { parseSourceUri, SourceUriError, type SourceSpec } from './capture/source-uri';
import { runTrack } from './commands/track';
import { UsageError, positiveInt } from './commands/args';
import { defaultModelsDir } from './system/paths';
import { DEFAULT_LANDMARK_MODEL } from './vision/face-vision';
import type { LandmarkModel } from './vision/model-specs';
import { ModelLoadError } from './vision/session';
import type { TrackerOptions } from './tracking/tracker';

const USAGE = `vtlink: face tracking for VTubers

Usage:
  vtlink track PATH... [options]   track faces in images, folders of images or video files
  vtlink track --source SOURCE     track a camera, a GStreamer pipeline, a file or the demo
  vtlink demo [options]            track the built-in demo input (no camera needed)
  vtlink run [options]             the service: camera, outputs, HTTP API (systemd Type=notify)
  vtlink devices [--json]          list cameras (formats, sizes, rates) and GStreamer's status
  vtlink help                      this text

Options:
  --json                 one JSON object per frame (TrackingFrame) on stdout
  --detector front|back|retinaface
                         BlazeFace short range (front, default) or full range (back), or RetinaFace
  --retinaface-model PATH  with --detector retinaface: your RetinaFace-MobileNet ONNX file
                         (run: --detector/--retinaface-model are saved to the settings, as the UI would)
  --landmarks mesh-iris|attention
                         FaceMesh + the Iris model on each eye (default), or FaceMesh with
                         attention (mesh, lips, eyes, irises in one model)
  --threads N            onnxruntime intra-op threads per model (default 1)
  --no-smoothing         turn the One Euro landmark filter off
  --max-frames N         stop each input after N frames
  --models DIR           folder with the ONNX models (default: the package's models/)
  --loop                 (demo) run until interrupted instead of once through the script
  --state-dir DIR        (run) settings folder (default $STATE_DIRECTORY, else ~/.local/state/vtlink)
  --port N               (run) HTTP port for this run, 0 = any free one (default: the settings' network.port)
  --once                 (run) stop when the input ends once (the demo: one pass of its script)
  --source SOURCE        demo | v4l2:/dev/video0?width=1280&height=720&fps=60[&format=mjpeg]
                         | gst:<pipeline> (appsink appended if absent) | a file path
                         (run: the camera for this run, instead of the settings' camera.source)
`;

const OPTIONS = {
  json: { type: 'boolean' },
  detector: { type: 'string' },
  'retinaface-model': { type: 'string' },
  threads: { type: 'string' },
  landmarks: { type: 'string' },
  'no-smoothing': { type: 'boolean' },
  'max-frames': { type: 'string' },
  models: { type: 'string' },
  loop: { type: 'boolean' },
  source: { type: 'string' },
  'state-dir': { type: 'string' },
  port: { type: 'string' },
  once: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface DetectorChoice {
  detector: 'front' | 'back' | 'retinaface';
  retinafaceModel?: string;
}

/** `--detector` and `--retinaface-model`, checked together (the model file itself is checked when it loads). */
function detectorOption(values: { detector?: string; 'retinaface-model'?: string }): DetectorChoice {
  const detector = values.detector ?? 'front';
  const model = values['retinaface-model'];
  if (detector !== 'front' && detector !== 'back' && detector !== 'retinaface') {
    throw new UsageError(`--detector must be "front", "back" or "retinaface", got "${detector}"`);
  }
  if (detector === 'retinaface' && !model) throw new UsageError('--detector retinaface needs --retinaface-model PATH (a RetinaFace-MobileNet ONNX file)');
  if (detector !== 'retinaface' && model !== undefined) throw new UsageError('--retinaface-model is used only with --detector retinaface');
  return detector === 'retinaface' ? { detector, retinafaceModel: model } : { detector };
}

function landmarksOption(value: string | undefined): LandmarkModel {
  const landmarks = value ?? DEFAULT_LANDMARK_MODEL;
  if (landmarks !== 'attention' && landmarks !== 'mesh-iris') throw new UsageError(`--landmarks must be "attention" or "mesh-iris", got "${landmarks}"`);
  return landmarks;
}

function trackerOptions(values: { detector?: string; 'retinaface-model'?: string; landmarks?: string; threads?: string; models?: string; 'no-smoothing'?: boolean }): TrackerOptions {
  return {
    modelsDir: values.models ?? defaultModelsDir(),
    ...detectorOption(values),
    landmarks: landmarksOption(values.landmarks),
    threads: positiveInt('threads', values.threads, 1),
    smoothing: values['no-smoothing'] ? false : undefined,
  };
}

/** `--source`, parsed: a malformed one is a usage error. */
function sourceOption(text: string): SourceSpec {
  try {
    return parseSourceUri(text);
  } catch (err) {
    if (err instanceof SourceUriError) throw new UsageError(`--source: ${err.message}`);
    throw err;
  }
}

/** 0 = any free port (tests, several instances). */
function tcpPort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be 0..65535, got "${value}"`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  switch (command) {
    case 'track':
      if (rest.length === 0 && values.source === undefined) {
        throw new UsageError('track needs --source SOURCE or at least one PATH (an image, a folder of images or a video file)');
      }
      return runTrack([...(values.source === undefined ? [] : [sourceOption(values.source)]), ...rest.map((path) => ({ kind: 'file' as const, path }))], {
        tracker: trackerOptions(values),
        json: values.json === true,
        maxFrames: positiveInt('max-frames', values['max-frames'], Infinity),
      });
    case 'demo':
      return runDemo({
        source: values.source === undefined ? undefined : sourceOption(values.source),
        tracker: trackerOptions(values),
        json: values.json === true,
        loop: values.loop === true,
        maxFrames: positiveInt('max-frames', values['max-frames'], Infinity),
      });
    case 'devices':
      return runDevices({ json: values.json === true });
    case 'run':
      if (rest.length > 0) throw new UsageError(`run takes no PATH; use --source ${rest[0]}`);
      return runService({
        source: values.source,
        stateDir: values['state-dir'],
        port: values.port === undefined ? undefined : tcpPort(values.port),
        once: values.once === true,
        modelsDir: values.models,
        detector: values.detector === undefined && values['retinaface-model'] === undefined ? undefined : detectorOption(values),
      });
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`vtlink: ${(err as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (err instanceof ModelLoadError) {
      // A wrong model file is the user's to fix: the message names the file and what was expected.
      console.error(`vtlink: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error(`vtlink: ${(err as Error).stack ?? String(err)}`);
      process.exitCode = 1;
    }
  },
);
