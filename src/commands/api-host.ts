/**
 * Keeps the HTTP/WebSocket API (src/server) listening where settings.network says, while the
 * service runs: a change of network.port or network.bind starts a server on the new address, and
 * only once that one listens is the old one closed. If the new address cannot be had (port taken,
 * address not on this box), the old server keeps answering and status().network.server.problem
 * says why, so the user is never locked out of the UI by a typo.
 */
import { touches, type Settings } from '../config';
import { startServer, type RunningServer } from '../server';
import type { ApiServerStatus, ServiceControl } from '../service/control';
import type { Logger } from '../system/log';

/** What the host needs of the service besides ServiceControl (VtlinkService has both). */
export interface ApiHostService extends ServiceControl {
  onSettingsChanged(listener: (settings: Settings, changed: string[]) => void): () => void;
  reportApiServer(state: ApiServerStatus): void;
}

export interface ApiHostOptions {
  stateDir: string;
  uiDir?: string;
  /** --port: used instead of settings.network.port until a change sets that. */
  portOverride?: number;
  log: Logger;
  /** How long the old server lives on after the new one listens (the answer to the PATCH that moved it goes out on it). Default 1000 ms. */
  handoverMs?: number;
}

interface Address {
  port: number;
  bind: string;
}

export class ApiHost {
  private server: RunningServer | null = null;
  private address: Address | null = null;
  private portOverride: number | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly retiring = new Set<RunningServer>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly service: ApiHostService,
    private readonly options: ApiHostOptions,
  ) {
    this.portOverride = options.portOverride;
    this.unsubscribe = service.onSettingsChanged((settings, changed) => {
      if (touches(changed, 'network.port')) this.portOverride = undefined;
      if (touches(changed, 'network.port') || touches(changed, 'network.bind')) void this.listen(settings.network);
    });
  }

  /** The running server, or null if none could start. */
  get current(): RunningServer | null {
    return this.server;
  }

  /** Listen where `network` (and --port) says; resolves once done or refused (never rejects). */
  listen(network: Settings['network']): Promise<void> {
    const run = this.queue.then(() => this.move({ port: this.portOverride ?? network.port, bind: network.bind }));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops the server for good (the service is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await this.queue;
    await Promise.all([this.server?.close(), ...[...this.retiring].map((s) => s.close())]);
    this.server = null;
  }

  private async move(to: Address): Promise<void> {
    if (this.closed) return;
    const from = this.address;
    if (this.server && from && from.port === to.port && from.bind === to.bind) return;
    const old = this.server;
    try {
      this.adopt(await this.start(to), to);
      if (old) this.retire(old);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Same port, other bind (0.0.0.0 → 127.0.0.1): the old server holds the port; free it first.
      if (old && from && from.port === to.port && code === 'EADDRINUSE') {
        await old.close();
        this.server = null;
        try {
          this.adopt(await this.start(to), to);
          return;
        } catch (again) {
          err = again;
        }
        try {
          this.adopt(await this.start(from), from);
        } catch (back) {
          this.server = null;
          this.log(`the API cannot listen on ${hostPort(from)} again either (${(back as Error).message})`);
        }
      }
      this.refused(to, err as Error);
    }
  }

  private start(at: Address): Promise<RunningServer> {
    return startServer(this.service, {
      port: at.port,
      bind: at.bind,
      stateDir: this.options.stateDir,
      uiDir: this.options.uiDir,
      log: (line) => this.options.log.warn(`api: ${line}`),
    });
  }

  private adopt(server: RunningServer, at: Address): void {
    const moved = this.address !== null;
    this.server = server;
    this.address = at;
    this.service.reportApiServer({ url: server.url, port: server.port, bind: at.bind });
    const ui = this.options.uiDir ? '' : ' (the UI is not built: only the API answers)';
    this.options.log.info(`${moved ? 'UI and API moved to' : 'UI and API at'} ${server.url}${ui}`);
  }

  /** The old server answers what it is answering (the PATCH that moved it), then closes. */
  private retire(old: RunningServer): void {
    this.retiring.add(old);
    const timer = setTimeout(() => void old.close().then(() => this.retiring.delete(old)), this.options.handoverMs ?? 1000);
    timer.unref();
  }

  private refused(to: Address, err: Error): void {
    const problem = `cannot listen on ${hostPort(to)}: ${err.message}`;
    const running = this.server && this.address;
    this.service.reportApiServer(
      running ? { url: this.server!.url, port: this.server!.port, bind: this.address!.bind, problem } : { url: null, port: null, bind: to.bind, problem },
    );
    this.log(
      running
        ? `${problem}; still answering at ${this.server!.url}`
        : `the HTTP/WebSocket API ${problem}; tracking and outputs go on without it`,
    );
  }

  private log(line: string): void {
    this.options.log.error(line);
  }
}

function hostPort(a: Address): string {
  return a.bind.includes(':') ? `[${a.bind}]:${a.port}` : `${a.bind}:${a.port}`;
}
