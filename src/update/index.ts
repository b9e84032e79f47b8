/**
 * Updates with RAUC (README.md in this folder): the updater, and how `vtlink run` configures it.
 */
import type { Logger } from '../system/log';
import { DEFAULT_USB_DIR } from '../system/usb-files';
import { DEFAULT_RAUC_CONF, DEFAULT_RELEASE_FILE, Updater } from './updater';

export { Updater } from './updater';
export { serviceAlive } from './health';
export type * from './types';

/**
 * The updater of `vtlink run`. Paths are the image's (/etc/rauc/system.conf, /etc/vtlink-release,
 * /run/vtlink-usb, $RUNTIME_DIRECTORY from systemd); the VTLINK_* variables move them for tests and
 * development machines, and VTLINK_UPDATE_HEALTHY_MS shortens the health wait for tests.
 */
export function createUpdater(options: { stateDir: string; log: Logger; fallbackVersion: string; env?: NodeJS.ProcessEnv }): Updater {
  const env = options.env ?? process.env;
  const healthy = Number(env.VTLINK_UPDATE_HEALTHY_MS);
  return new Updater({
    stateDir: options.stateDir,
    log: options.log,
    fallbackVersion: options.fallbackVersion,
    raucConf: env.VTLINK_RAUC_CONF || DEFAULT_RAUC_CONF,
    releaseFile: env.VTLINK_RELEASE_FILE || DEFAULT_RELEASE_FILE,
    usbDir: env.VTLINK_USB_DIR || DEFAULT_USB_DIR,
    runtimeDir: env.RUNTIME_DIRECTORY ? env.RUNTIME_DIRECTORY.split(':')[0] : null,
    healthyForMs: Number.isInteger(healthy) && healthy > 0 ? healthy : undefined,
  });
}
