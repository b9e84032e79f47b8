/**
 * Serial line output: tracking results to a microcontroller (servos, LEDs, an animatronic head)
 * over a UART or USB CDC port, in one of two formats.
 *
 * # Binary format (`format: 'binary'`), protocol version 1
 *
 * Each message is COBS-encoded and followed by one 0x00 byte. COBS (Consistent Overhead Byte
 * Stuffing) removes every 0x00 from the message, so 0x00 only ever marks the end of a frame: read
 * bytes into a buffer until 0x00, COBS-decode the buffer, check the CRC, then read the fields. A
 * receiver that starts mid-stream drops bytes up to the first 0x00. COBS decoding: the first byte
 * is a code c; copy the next c-1 bytes, then, if c < 0xFF and more bytes remain, emit one 0x00;
 * repeat with the next code byte until the buffer ends.
 *
 * The decoded message, all multi-byte fields little-endian, no padding:
 *
 * | offset | type | field |
 * | --- | --- | --- |
 * | 0 | u8 | magic 0x56 ('V') |
 * | 1 | u8 | protocol version, 1 |
 * | 2 | u8 | message type: 0x01 face, 0x02 no face (then the CRC follows at offset 9) |
 * | 3 | u16 | sequence number, +1 per message written, wraps at 65536 (a gap = lost messages) |
 * | 5 | u32 | frame time, ms (the source's clock; wraps) |
 * | 9 | i16 x3 | head yaw, pitch, roll, 0.01 degree (yaw > 0 turned to the subject's right, pitch > 0 up, roll > 0 clockwise in the camera image) |
 * | 15 | i16 x3 | head translation x, y, z, mm, camera frame (x right, y down, z away from the camera) |
 * | 21 | i16 x4 | gaze: left eye yaw, pitch, right eye yaw, pitch, 0.01 degree, camera frame |
 * | 29 | u16 x2 | eye openness left, right |
 * | 33 | u16 x2 | mouth open, mouth wide |
 * | 37 | u16 x5 | vowels a, i, u, e, o |
 * | 47 | u16 x2 | brow raise left, right |
 * | 51 | u8 | N, the number of blend shapes that follow (52 in version 1) |
 * | 52 | u16 x N | blend shapes in the fixed order of SERIAL_BLENDSHAPE_ORDER (serial/blendshape-order.ts): the 52 ARKit names, eyeBlinkLeft, eyeLookDownLeft, eyeLookInLeft, eyeLookOutLeft, eyeLookUpLeft, eyeSquintLeft, eyeWideLeft, the same seven Right, jawForward, jawLeft, jawRight, jawOpen, mouthClose, mouthFunnel, mouthPucker, mouthLeft, mouthRight, mouthSmileLeft/Right, mouthFrownLeft/Right, mouthDimpleLeft/Right, mouthStretchLeft/Right, mouthRollLower, mouthRollUpper, mouthShrugLower, mouthShrugUpper, mouthPressLeft/Right, mouthLowerDownLeft/Right, mouthUpperUpLeft/Right, browDownLeft/Right, browInnerUp, browOuterUpLeft/Right, cheekPuff, cheekSquintLeft/Right, noseSneerLeft/Right, tongueOut; a shape the tracker does not make is 0 |
 * | 52 + 2N | u16 | CRC-16/CCITT-FALSE of bytes [0, 52 + 2N) |
 *
 * "u16" values in 0..1 are fixed point: value = raw / 65535. Left/right are the subject's own.
 * Angles and millimetres saturate at the i16 range. A face message is 158 bytes for N = 52
 * (about 160 on the wire), so 115200 baud carries up to about 70 messages a second.
 *
 * CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, not reflected, no final XOR;
 * "123456789" gives 0x29B1. Bitwise: crc ^= byte << 8; 8 times: crc = crc & 0x8000 ?
 * (crc << 1) ^ 0x1021 : crc << 1 (keep 16 bits).
 *
 * Versioning: a decoder drops messages whose magic is not 0x56 or whose version it does not know.
 * Within version 1, fields are only ever added at the end of a message (after the blend shapes,
 * before the CRC) and blend shape names only appended to the order, so a version-1 decoder that
 * locates the CRC from the message length keeps working; a change that moves or reinterprets a
 * field increments the version.
 *
 * # JSON-lines format (`format: 'jsonl'`)
 *
 * One compact JSON object per line, "\n"-terminated, numbers rounded (degrees to 0.01, mm to 0.1,
 * 0..1 values to 0.001):
 * `{"v":1,"seq":7,"t":1234,"face":true,"yaw":-3.2,"pitch":1.5,"roll":0.4,"x":12.3,"y":-4,"z":610,
 * "gaze":[lyaw,lpitch,ryaw,rpitch],"eyeL":0.98,"eyeR":0.97,"mouth":0.1,"wide":0.4,
 * "vowels":[a,i,u,e,o],"browL":0.2,"browR":0.2}`, with `"bs":{"jawOpen":0.1,...}` added when
 * `jsonBlendshapes` is set; without a face: `{"v":1,"seq":8,"t":1267,"face":false}`.
 *
 * # Behaviour
 *
 * Messages go out at most `rateHz` times a second, each carrying the latest frame; a frame that
 * arrives while the previous message is still being written waits for it, and is replaced if a
 * newer one comes first (latest-frame semantics). The port may vanish at any time (unplugged,
 * device reset): the output then reports `no-listener` with the reason, retries opening the path
 * with back-off (0.5 s doubling to 5 s by default) and resumes when the path opens again.
 */

import type { TrackingFrame } from '../tracking/types';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import type { OutputState, TrackingOutput } from './output';
import { BinaryFrameEncoder } from './serial/binary-frame';
import { encodeJsonLine } from './serial/json-line';
import { ReconnectingPort } from './serial/reconnecting-port';

export { SERIAL_BLENDSHAPE_ORDER } from './serial/blendshape-order';

export type SerialFormat = 'binary' | 'jsonl';

export interface SerialOutputOptions {
  /** Device path, e.g. /dev/ttyUSB0, /dev/ttyACM0, /dev/serial/by-id/... */
  path: string;
  /** Default 115200. Ignored by USB CDC devices and pseudo-terminals. */
  baudRate?: number;
  /** Default 'binary'. */
  format?: SerialFormat;
  /** Most messages a second; default 30. */
  rateHz?: number;
  /** JSON-lines mode only: add the blend shapes as "bs". Default false. */
  jsonBlendshapes?: boolean;
  /** Re-open delays; default 0.5 s doubling to 5 s. */
  backoff?: BackoffOptions;
}

/** Longest JSON line: the fixed fields plus blend shapes, with room to spare. */
const JSON_LINE_BYTES = 8192;

export class SerialOutput implements TrackingOutput {
  readonly name = 'serial';
  private readonly port: ReconnectingPort;
  private readonly format: SerialFormat;
  private readonly periodMs: number;
  private readonly jsonBlendshapes: boolean;
  private readonly binary = new BinaryFrameEncoder();
  private readonly jsonBuffer = Buffer.alloc(JSON_LINE_BYTES);
  private pending: TrackingFrame | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastWriteAt = -Infinity;
  private seq = 0;
  private closed = false;
  private status: OutputState = { status: 'no-listener', detail: 'opening', framesSent: 0, errors: 0 };

  constructor(options: SerialOutputOptions) {
    this.format = options.format ?? 'binary';
    const rateHz = options.rateHz ?? 30;
    if (!(rateHz > 0)) throw new RangeError(`serial rateHz must be > 0, got ${rateHz}`);
    this.periodMs = 1000 / rateHz;
    this.jsonBlendshapes = options.jsonBlendshapes ?? false;
    this.port = new ReconnectingPort({
      path: options.path,
      baudRate: options.baudRate ?? 115200,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      onStatus: (open, detail) => {
        if (this.closed) return;
        this.status.status = open ? 'sending' : 'no-listener';
        this.status.detail = detail;
        if (!open) this.pending = null; // a stale frame is not worth sending after a reconnect
      },
    });
    this.port.start();
  }

  send(frame: TrackingFrame): void {
    if (this.closed) return;
    this.pending = frame;
    this.schedule();
  }

  state(): OutputState {
    return { ...this.status };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending = null;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.status = { ...this.status, status: 'off', detail: undefined };
    await this.port.close();
  }

  /** Writes the pending frame now if the rate and the port allow, else sets a timer for it. */
  private schedule(): void {
    if (this.flushTimer || !this.pending) return;
    const wait = this.lastWriteAt + this.periodMs - performance.now();
    if (wait > 0) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.flush();
      }, wait);
      return;
    }
    this.flush();
  }

  private flush(): void {
    const frame = this.pending;
    if (!frame || this.closed || !this.port.ready) return; // a write in flight calls schedule() when done
    this.pending = null;
    const bytes = this.encode(frame, this.seq);
    const wrote = this.port.write(bytes, (err) => {
      if (this.closed) return;
      if (err) this.status.errors++;
      else this.status.framesSent++;
      this.schedule();
    });
    if (!wrote) return;
    this.seq = (this.seq + 1) & 0xffff;
    this.lastWriteAt = performance.now();
  }

  private encode(frame: TrackingFrame, seq: number): Uint8Array {
    if (this.format === 'binary') return this.binary.encode(frame, seq);
    const line = encodeJsonLine(frame, seq, this.jsonBlendshapes);
    const n = this.jsonBuffer.write(line, 0, 'utf8');
    return this.jsonBuffer.subarray(0, n);
  }
}

export function createSerialOutput(options: SerialOutputOptions): SerialOutput {
  return new SerialOutput(options);
}
