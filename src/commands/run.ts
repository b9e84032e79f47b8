/**
 * `vtlink run`: the appliance's long-running service. Settings from the state folder, the camera
 * (or --source) tracked until SIGTERM/SIGINT, outputs and the HTTP/WebSocket API running, systemd
 * told what happens (src/service/systemd.ts). With --once it ends when its input ends once.
 */
import { SettingsStore, validateSettingsPatch } from '../config';
import { SystemdLink, statusLine } from '../service/systemd';
import { VtlinkService } from '../service/service';
import { createLogger, type Logger } from '../system/log';
import { handleShutdownSignals } from '../system/signals';
import { UsageError } from './args';

export interface RunCommandOptions {
  /** Camera source for this run (not saved); see settings.camera.source for the forms. */
  source?: string;
  stateDir?: string;
  /** HTTP port for this run instead of settings.network.port. */
  port?: number;
  once: boolean;
  modelsDir?: string;
}

/** A running HTTP/WebSocket server as far as `run` needs to know it. */
interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function runService(options: RunCommandOptions): Promise<number> {
  const log = createLogger({ tag: 'vtlink: ' });
  const store = await SettingsStore.open({ stateDir: options.stateDir });
  if (options.source !== undefined) {
    const check = validateSettingsPatch(store.settings, { camera: { source: options.source } });
    if (!check.ok) throw new UsageError(`--source: ${check.issues.map((i) => i.message).join('; ')}`);
  }
  log.info(`settings: ${store.dir} (${store.health.status})`);
  const started = performance.now();
  const service = await VtlinkService.start({ store, sourceOverride: options.source, once: options.once, modelsDir: options.modelsDir, log });
  const systemd = new SystemdLink(service, { log });
  systemd.start();
  void service.firstFrame.then(() => log.info(`tracking: first frame after ${((performance.now() - started) / 1000).toFixed(1)} s (${statusLine(service.status())})`));
  const periodic = setInterval(() => log.info(statusLine(service.status())), 60_000);
  periodic.unref();

  const server = await startHttp(service, store, options, log);

  let shutdown: Promise<number> | null = null;
  const stop = (why: string): Promise<number> => {
    shutdown ??= (async () => {
      log.info(`stopping (${why})`);
      clearInterval(periodic);
      systemd.stopping();
      await Promise.all([server?.close(), service.stop()]);
      return 0;
    })();
    return shutdown;
  };
  const removeHandlers = handleShutdownSignals({
    shutdown: (signal) => stop(signal),
    onHardExit: () => log.error('stopping took too long; exiting without finishing the cleanup'),
  });
  await service.finished;
  const code = await stop('the input ended');
  removeHandlers();
  return code;
}

/**
 * THE call site of the HTTP/WebSocket server (src/server). Until that module lands the service runs
 * without it. When it does: `const server = await startServer(service, { ...store.settings.network,
 * port: options.port ?? store.settings.network.port })`, print its URL, and return it here.
 */
async function startHttp(_service: VtlinkService, _store: SettingsStore, _options: RunCommandOptions, log: Logger): Promise<RunningServer | null> {
  log.warn('the HTTP/WebSocket API is not built into this version yet; tracking and outputs run without it');
  return null;
}
