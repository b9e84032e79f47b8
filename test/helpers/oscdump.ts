/**
 * An OSC decoder that is not ours, for the OSC output tests: liblo's `oscdump` (Debian liblo-tools)
 * run as a child process on a UDP port, its text output parsed back into messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { sleep } from './wait';

export interface Decoded {
  address: string;
  /** OSC type tags, e.g. "f", "sfffffff", "T". */
  types: string;
  /** One per type tag: strings unquoted, numbers, and true/false for the T and F tags. */
  values: (string | number | boolean)[];
}

/** One oscdump output line: `<timetag> <address> <types> <values...>`; strings are quoted, T/F print as #T/#F. */
export function parseOscdumpLine(line: string): Decoded | null {
  const m = /^\S+ (\/\S*) ?(\S*) ?(.*)$/.exec(line.trim());
  if (!m) return null;
  const [, address, types, rest] = m;
  const values: (string | number | boolean)[] = [];
  const tokens = rest.match(/"[^"]*"|\S+/g) ?? [];
  tokens.forEach((tok, i) => {
    const t = types[i];
    if (t === 's') values.push(tok.replace(/^"|"$/g, ''));
    else if (t === 'T' || t === 'F') values.push(tok === '#T');
    else values.push(Number(tok));
  });
  return { address, types, values };
}

export class OscDump {
  readonly messages: Decoded[] = [];
  private buffer = '';
  private constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const d = parseOscdumpLine(line);
        if (d) this.messages.push(d);
      }
    });
  }

  /** Starts oscdump on `port` and waits until its socket is bound (a probe message arrives). */
  static async start(port: number): Promise<OscDump> {
    const child = spawn('oscdump', ['-L', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const dump = new OscDump(child);
    const probe = dgram.createSocket('udp4');
    const deadline = Date.now() + 15_000;
    // A bare "/probe" message, hand-encoded: address padded to 8 bytes + "," padded to 4.
    const bytes = Buffer.from('/probe\0\0,\0\0\0', 'binary');
    while (!dump.messages.some((m) => m.address === '/probe')) {
      if (Date.now() > deadline) throw new Error('oscdump did not start');
      probe.send(bytes, port, '127.0.0.1');
      await sleep(50);
    }
    probe.close();
    // Probes sent before the first one was seen may still come in; wait them out.
    await sleep(100);
    dump.messages.length = 0;
    return dump;
  }

  async waitFor(pred: (msgs: Decoded[]) => boolean, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.messages)) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${this.messages.length} messages`);
      await sleep(20);
    }
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}
