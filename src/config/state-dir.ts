import { homedir } from 'node:os';
import path from 'node:path';

export interface StateDirOptions {
  /** Explicit folder (e.g. from `vtlink run --state-dir`); wins over everything else. */
  stateDir?: string;
  /** Environment to read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Home folder for the last-resort default (default os.homedir()). */
  home?: string;
}

/**
 * Where vtlink keeps the user's settings (and other state such as the VTube Studio token):
 * 1. `options.stateDir`, if given;
 * 2. `$STATE_DIRECTORY`, set by systemd for `StateDirectory=` (it may list several folders separated
 *    by colons when the unit names several; the first is ours);
 * 3. `$XDG_STATE_HOME/vtlink`, if XDG_STATE_HOME is an absolute path (the XDG spec says to ignore a
 *    relative one);
 * 4. `~/.local/state/vtlink` (the XDG default for XDG_STATE_HOME).
 */
export function resolveStateDir(options: StateDirOptions = {}): string {
  if (options.stateDir) return path.resolve(options.stateDir);
  const env = options.env ?? process.env;
  const systemd = (env.STATE_DIRECTORY ?? '').split(':').find((p) => p.length > 0);
  if (systemd) return path.resolve(systemd);
  const xdg = env.XDG_STATE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'vtlink');
  return path.join(options.home ?? homedir(), '.local', 'state', 'vtlink');
}
