/**
 * The outputs the settings ask for, built from settings.outputs and rebuilt one at a time when that
 * output's section changes (the others keep streaming). The WebSocket stream belongs to the server.
 */
import type { Settings } from '../config';
import { OpenSeeFaceOutput } from '../outputs/openseeface';
import type { OutputState, TrackingOutput } from '../outputs/output';
import { SerialOutput } from '../outputs/serial';
import { VmcOutput } from '../outputs/vmc';
import { VrChatOutput } from '../outputs/vrchat';
import { FileTokenStore, VTubeStudioOutput } from '../outputs/vtube-studio';
import type { TrackingFrame } from '../tracking/types';
import type { Logger } from '../system/log';

/** The settings.outputs sections this manager owns (status keys use the same names). */
export const MANAGED_OUTPUTS = ['vmc', 'openSeeFace', 'vrchat', 'serial', 'vtubeStudio'] as const;
export type ManagedOutput = (typeof MANAGED_OUTPUTS)[number];

const OFF: OutputState = { status: 'off', framesSent: 0, errors: 0 };

export interface OutputsManagerOptions {
  /** The state folder (VTube Studio keeps its plugin token there). */
  stateDir: string;
  log: Logger;
}

export class OutputsManager {
  private readonly live = new Map<ManagedOutput, TrackingOutput>();
  /** Outputs being swapped in send to the new one from the next frame; iteration list kept compact. */
  private sendList: TrackingOutput[] = [];

  constructor(private readonly options: OutputsManagerOptions) {}

  /** Build every enabled output (at start). */
  start(outputs: Settings['outputs']): void {
    for (const key of MANAGED_OUTPUTS) this.build(key, outputs);
  }

  /** Rebuild the outputs whose sections are in `keys` from `outputs`; closes the old ones. */
  async rebuild(keys: readonly ManagedOutput[], outputs: Settings['outputs']): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const key of keys) {
      const old = this.live.get(key);
      if (old) {
        this.live.delete(key);
        closing.push(old.close());
      }
      this.build(key, outputs);
    }
    await Promise.all(closing);
  }

  /** Hand a frame to every output. Outputs never throw (their contract); a broken one must not stop tracking either way. */
  send(frame: TrackingFrame): void {
    const list = this.sendList;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i].send(frame);
      } catch {
        // counted by the output itself where it can; nothing to do here
      }
    }
  }

  states(): Record<ManagedOutput, OutputState> {
    const out = {} as Record<ManagedOutput, OutputState>;
    for (const key of MANAGED_OUTPUTS) {
      const o = this.live.get(key);
      out[key] = o ? safeState(o) : { ...OFF };
    }
    return out;
  }

  /** The running output for a section, or undefined when it is off. */
  get(key: ManagedOutput): TrackingOutput | undefined {
    return this.live.get(key);
  }

  async close(): Promise<void> {
    const all = [...this.live.values()];
    this.live.clear();
    this.sendList = [];
    await Promise.all(all.map((o) => o.close()));
  }

  private build(key: ManagedOutput, outputs: Settings['outputs']): void {
    let output: TrackingOutput | null = null;
    try {
      output = this.create(key, outputs);
    } catch (err) {
      this.options.log.error(`output ${key}: cannot start (${(err as Error).message})`);
    }
    if (output) {
      this.live.set(key, output);
      this.options.log.info(`output ${key}: started (${describe(key, outputs)})`);
    }
    this.sendList = [...this.live.values()];
  }

  private create(key: ManagedOutput, outputs: Settings['outputs']): TrackingOutput | null {
    switch (key) {
      case 'vmc': {
        const s = outputs.vmc;
        return s.enabled ? new VmcOutput({ targets: s.targets, bundled: s.bundled, rateHz: s.rateHz }) : null;
      }
      case 'openSeeFace': {
        const s = outputs.openSeeFace;
        return s.enabled ? new OpenSeeFaceOutput({ targets: s.targets }) : null;
      }
      case 'vrchat': {
        const s = outputs.vrchat;
        return s.enabled ? new VrChatOutput({ targets: s.targets, rateHz: s.rateHz, binaryBits: s.binaryBits }) : null;
      }
      case 'serial': {
        const s = outputs.serial;
        return s.enabled ? new SerialOutput({ path: s.path, baudRate: s.baud, format: s.format, rateHz: s.rateHz }) : null;
      }
      case 'vtubeStudio': {
        const s = outputs.vtubeStudio;
        return s.enabled ? new VTubeStudioOutput({ url: s.url, rateHz: s.rateHz, tokenStore: new FileTokenStore(this.options.stateDir), log: this.options.log }) : null;
      }
    }
  }
}

function safeState(o: TrackingOutput): OutputState {
  try {
    return { ...o.state() };
  } catch (err) {
    return { status: 'error', detail: (err as Error).message, framesSent: 0, errors: 0 };
  }
}

function describe(key: ManagedOutput, outputs: Settings['outputs']): string {
  switch (key) {
    case 'vmc':
    case 'openSeeFace':
    case 'vrchat':
      return outputs[key].targets.map((t) => `${t.host}:${t.port}`).join(', ');
    case 'serial':
      return `${outputs.serial.path} ${outputs.serial.baud} ${outputs.serial.format}`;
    case 'vtubeStudio':
      return outputs.vtubeStudio.url;
  }
}
