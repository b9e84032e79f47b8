/**
 * `vtlink run`: the appliance's long-running service. Settings from the state folder, the camera
 * (or --source) tracked until SIGTERM/SIGINT, outputs and the HTTP/WebSocket API running, systemd
 * told what happens (src/service/systemd.ts). With --once it ends when its input ends once.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SettingsStore, validateSettingsPatch } from '../config';
import { kioskWatchEnv } from '../service/kiosk-watch';
import { SystemdLink, statusLine } from '../service/systemd';
import { packageVersion, VtlinkService } from '../service/service';
import { AvatarPacks } from '../avatar/packs';
import { Live2DModels } from '../avatar/live2d';
import { createUpdater, serviceAlive } from '../update';
import { createLogger, formatLogLine, LogRing, underJournal } from '../system/log';
import { packageRoot } from '../system/paths';
import { SystemdNotifier } from '../system/notify';
import { DEFAULT_USB_DIR } from '../system/usb-files';
import { handleShutdownSignals } from '../system/signals';
import { ApiHost } from './api-host';
import { RunProgress, summaryLine } from './run-progress';
import { UsageError } from './args';
import { RetinaFaceDetector } from '../vision/retinaface';

/**
 * How long each start-up step may take beyond systemd's TimeoutStartSec= (systemd/vtlink.service: the
 * same 3 min): a first boot on a slow SD card, or an emulated board, moves slowly but keeps moving.
 */
const STARTUP_STEP_BUDGET_MS = 180_000;

export interface RunCommandOptions {
  /** Camera source for this run (not saved); see settings.camera.source for the forms. */
  source?: string;
  stateDir?: string;
  /** HTTP port for this run instead of settings.network.port. */
  port?: number;
  once: boolean;
  modelsDir?: string;
  /** Detector from the command line: saved to settings.tracking before the service starts. */
  detector?: { detector: 'front' | 'back' | 'retinaface'; retinafaceModel?: string };
}

export async function runService(options: RunCommandOptions): Promise<number> {
  // The last lines stay in memory for the UI's System page (GET /api/logs).
  const logRing = new LogRing(500);
  // Log lines go above the live progress line (a terminal), never into it.
  let progress: RunProgress | null = null;
  const write = (line: string): void => (progress ? progress.writeLog(line) : void process.stderr.write(line));
  const log = createLogger({ tag: 'vtlink: ', ring: logRing, write });
  const notifier = new SystemdNotifier({ onError: (m) => log.warn(m) });
  const store = await SettingsStore.open({ stateDir: options.stateDir });
  if (options.source !== undefined) {
    const check = validateSettingsPatch(store.settings, { camera: { source: options.source } });
    if (!check.ok) throw new UsageError(`--source: ${check.issues.map((i) => i.message).join('; ')}`);
  }
  if (options.detector !== undefined) {
    const check = validateSettingsPatch(store.settings, { tracking: options.detector });
    if (!check.ok) throw new UsageError(`--detector: ${check.issues.map((i) => i.message).join('; ')}`);
    // Load the model once before saving, so a wrong file is never saved for every later start.
    if (options.detector.retinafaceModel) await (await RetinaFaceDetector.create(options.detector.retinafaceModel)).release();
    await store.save(check.settings);
  }
  log.info(`settings: ${store.dir} (${store.health.status})`);
  notifier.startupStep('loading the models', STARTUP_STEP_BUDGET_MS);
  const started = performance.now();
  // The kiosk watch asks root to restart a frozen kiosk through a file in $RUNTIME_DIRECTORY (/run/vtlink).
  const kiosk = kioskWatchEnv(process.env, log);
  // Updates (src/update/): bundles from the API or a USB stick; the booted slot is marked good once healthy.
  const update = createUpdater({ stateDir: store.dir, log, fallbackVersion: packageVersion() });
  const vtsDiscoveryPort = vtsDiscoveryPortEnv(process.env, log);
  // Avatar packs (src/avatar/): PSDs imported from the API, kept on the state partition.
  const avatars = await AvatarPacks.open({ stateDir: store.dir, selected: () => store.settings.avatar.choice, log, usbDir: process.env.VTLINK_USB_DIR || DEFAULT_USB_DIR });
  // Live2D models and the user's own Cubism Core (src/avatar/live2d.ts), also on the state partition.
  const live2d = await Live2DModels.open({ stateDir: store.dir, selected: () => store.settings.avatar.choice, log });
  const service = await VtlinkService.start({ store, sourceOverride: options.source, once: options.once, modelsDir: options.modelsDir, log, logRing, kiosk, update, avatars, live2d, vtsDiscoveryPort });
  update.watchHealth(service.ready, serviceAlive(service));
  notifier.startupStep('opening the camera and tracking the first frame', STARTUP_STEP_BUDGET_MS);
  const systemd = new SystemdLink(service, { log, notifier });
  systemd.start();
  void service.firstFrame.then(() => log.info(`tracking: first frame after ${((performance.now() - started) / 1000).toFixed(1)} s (${statusLine(service.status())})`));
  progress = new RunProgress(service);
  const periodic = setInterval(() => log.info(statusLine(service.status())), 60_000);
  periodic.unref();

  // The HTTP/WebSocket API and the UI's files. One that cannot start (the port is taken) is logged,
  // and tracking and the outputs go on without it; a change of network.port/bind moves it.
  const uiDir = path.join(packageRoot(), 'dist', 'ui'); // tools/build.mjs writes the browser UI next to the bundle
  const api = new ApiHost(service, { stateDir: store.dir, uiDir: existsSync(uiDir) ? uiDir : undefined, portOverride: options.port, log });
  await api.listen(store.settings.network);

  let shutdown: Promise<number> | null = null;
  const stop = (why: string): Promise<number> => {
    shutdown ??= (async () => {
      log.info(`stopping (${why})`);
      clearInterval(periodic);
      progress?.stop();
      progress = null;
      systemd.stopping();
      avatars.close();
      await Promise.all([api.close(), service.stop(), update.close()]);
      if (options.once) log.info(`summary: ${summaryLine(service.summary())}`);
      return 0;
    })();
    return shutdown;
  };
  const removeHandlers = handleShutdownSignals({
    shutdown: (signal) => stop(signal),
    onHardExit: () => log.error('stopping took too long; exiting without finishing the cleanup'),
    hardExitLine: formatLogLine('error', 'stopping is blocked (a close hangs in native code); killing the process', underJournal(), 'vtlink: '),
  });
  await service.finished;
  const code = await stop('the input ended');
  removeHandlers();
  return code;
}

/**
 * VTLINK_VTS_DISCOVERY_PORT: where VTube Studio's announcements are listened for instead of 47779
 * (0 = any free port: the browser tests, which run several services at once, read it back from
 * GET /api/receivers). A bad value is logged and the default kept.
 */
function vtsDiscoveryPortEnv(env: NodeJS.ProcessEnv, log: { warn(message: string): void }): number | undefined {
  const raw = env.VTLINK_VTS_DISCOVERY_PORT;
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (Number.isInteger(port) && port >= 0 && port <= 65535) return port;
  log.warn(`VTLINK_VTS_DISCOVERY_PORT=${raw} ignored (a port number, 0 to 65535); listening on 47779`);
  return undefined;
}
