/**
 * Log lines on stderr. Under systemd (JOURNAL_STREAM set: stderr is connected to the journal) each
 * line starts with its sd-daemon(3) priority prefix, so `journalctl -p warning` filters them;
 * otherwise the lines are plain, with the level as a word for people reading a terminal.
 */

export type LogLevel = 'error' | 'warn' | 'info';

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
}

/** sd-daemon(3): SD_ERR = 3, SD_WARNING = 4, SD_INFO = 6. */
const JOURNAL_PREFIX: Record<LogLevel, string> = { error: '<3>', warn: '<4>', info: '<6>' };
const PLAIN_PREFIX: Record<LogLevel, string> = { error: 'error: ', warn: 'warning: ', info: '' };

export interface LoggerOptions {
  /** Use journal priority prefixes. Default: whether $JOURNAL_STREAM is set. */
  journal?: boolean;
  /** Where lines go. Default: process.stderr. */
  write?: (line: string) => void;
  /** Put before every message (plain mode only), e.g. "vtlink: ". */
  tag?: string;
  /** Also keep every line here (plain, with its level word), for GET /api/logs. */
  ring?: LogRing;
}

/**
 * The last `capacity` log lines in memory, so the UI can show the log without journal access.
 * A fixed array used as a ring: logging allocates only the line itself.
 */
export class LogRing {
  private readonly entries: string[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity = 500) {
    this.entries = new Array<string>(capacity).fill('');
  }

  push(line: string): void {
    this.entries[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** The newest `n` lines (all kept ones by default), oldest first. */
  lines(n = this.capacity): string[] {
    const take = Math.max(0, Math.min(Math.floor(n), this.count));
    const out: string[] = [];
    for (let k = this.count - take; k < this.count; k++) out.push(this.entries[(this.next - this.count + k + this.capacity) % this.capacity]);
    return out;
  }
}

/** Whether stderr goes to the journal (systemd sets JOURNAL_STREAM for services whose output it logs). */
export function underJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.JOURNAL_STREAM);
}

/** Formats one line; multi-line messages get the prefix on every line (the journal splits on newlines). */
export function formatLogLine(level: LogLevel, message: string, journal: boolean, tag = ''): string {
  const prefix = journal ? JOURNAL_PREFIX[level] : `${tag}${PLAIN_PREFIX[level]}`;
  return `${message
    .split('\n')
    .map((line) => prefix + line)
    .join('\n')}\n`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const journal = options.journal ?? underJournal();
  const write = options.write ?? ((line: string): void => void process.stderr.write(line));
  const tag = options.tag ?? '';
  const ring = options.ring;
  const emit = (level: LogLevel, message: string): void => {
    write(formatLogLine(level, message, journal, tag));
    if (ring) {
      const stamp = new Date().toISOString();
      for (const line of message.split('\n')) ring.push(`${stamp} ${PLAIN_PREFIX[level]}${line}`);
    }
  };
  return {
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
  };
}

/** A logger that drops everything (tests, benches). */
export const silentLogger: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined };
