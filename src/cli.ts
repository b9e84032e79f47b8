/**
 * vtlink's command line: `vtlink track PATH...`, `vtlink demo`. Run `vtlink help` for usage.
 */
import { parseArgs } from 'node:util';
import { runDemo } from './commands/demo';
import { runTrack } from './commands/track';
import { UsageError, positiveInt } from './commands/args';
import { defaultModelsDir } from './system/paths';
import type { TrackerOptions } from './tracking/tracker';

const USAGE = `vtlink: face tracking for VTubers

Usage:
  vtlink track PATH... [options]   track faces in images, folders of images or video files
  vtlink demo [options]            track the built-in demo input (no camera needed)
  vtlink help                      this text

Options:
  --json                 one JSON object per frame (TrackingFrame) on stdout
  --detector front|back  BlazeFace short range (front, default) or full range (back)
  --threads N            onnxruntime intra-op threads per model (default 1)
  --no-smoothing         turn the One Euro landmark filter off
  --max-frames N         stop each input after N frames
  --models DIR           folder with the ONNX models (default: the package's models/)
  --loop                 (demo) run until interrupted instead of once through the script
`;

const OPTIONS = {
  json: { type: 'boolean' },
  detector: { type: 'string' },
  threads: { type: 'string' },
  'no-smoothing': { type: 'boolean' },
  'max-frames': { type: 'string' },
  models: { type: 'string' },
  loop: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function trackerOptions(values: { detector?: string; threads?: string; models?: string; 'no-smoothing'?: boolean }): TrackerOptions {
  const detector = values.detector ?? 'front';
  if (detector !== 'front' && detector !== 'back') throw new UsageError(`--detector must be "front" or "back", got "${detector}"`);
  return {
    modelsDir: values.models ?? defaultModelsDir(),
    detector,
    threads: positiveInt('threads', values.threads, 1),
    smoothing: values['no-smoothing'] ? false : undefined,
  };
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
      if (rest.length === 0) throw new UsageError('track needs at least one PATH (an image, a folder of images or a video file)');
      return runTrack(rest, {
        tracker: trackerOptions(values),
        json: values.json === true,
        maxFrames: positiveInt('max-frames', values['max-frames'], Infinity),
      });
    case 'demo':
      return runDemo({
        tracker: trackerOptions(values),
        json: values.json === true,
        loop: values.loop === true,
        maxFrames: positiveInt('max-frames', values['max-frames'], Infinity),
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
    } else {
      console.error(`vtlink: ${(err as Error).stack ?? String(err)}`);
      process.exitCode = 1;
    }
  },
);
