/**
 * Builds one serial binary frame (protocol version 1, layout documented in ../serial.ts) into
 * buffers allocated once: the raw message with its CRC, then its COBS encoding with the 0x00
 * delimiter.
 */

import type { TrackingFrame } from '../../tracking/types';
import { SERIAL_BLENDSHAPE_ORDER } from './blendshape-order';
import { cobsEncode, cobsMaxEncodedLength } from './cobs';
import { crc16CcittFalse } from './crc16';

export const SERIAL_MAGIC = 0x56; // 'V'
export const SERIAL_PROTOCOL_VERSION = 1;
export const SERIAL_MESSAGE_FACE = 0x01;
export const SERIAL_MESSAGE_NO_FACE = 0x02;

export const SERIAL_HEADER_BYTES = 9;
/** Fixed-size face fields after the header: 10 x i16 + 11 x u16 + the u8 blend shape count. */
export const SERIAL_FACE_FIELDS_BYTES = 10 * 2 + 11 * 2 + 1;
export const SERIAL_CRC_BYTES = 2;
const MAX_RAW_BYTES = SERIAL_HEADER_BYTES + SERIAL_FACE_FIELDS_BYTES + SERIAL_BLENDSHAPE_ORDER.length * 2 + SERIAL_CRC_BYTES;

/** Angle in degrees -> i16 hundredths of a degree, saturated; NaN -> 0. */
function centiDegrees(deg: number): number {
  return saturateI16(deg * 100);
}

function saturateI16(v: number): number {
  if (!(v === v)) return 0;
  const r = Math.round(v);
  return r < -32768 ? -32768 : r > 32767 ? 32767 : r;
}

/** 0..1 -> u16 0..65535, clamped; NaN -> 0. */
function unorm16(v: number): number {
  if (!(v > 0)) return 0;
  return v >= 1 ? 65535 : Math.round(v * 65535);
}

export class BinaryFrameEncoder {
  private readonly raw = new Uint8Array(MAX_RAW_BYTES);
  private readonly view = new DataView(this.raw.buffer);
  private readonly wire = new Uint8Array(cobsMaxEncodedLength(MAX_RAW_BYTES) + 1);

  /** Raw (unframed) length of the last encoded message, CRC included; for tests and diagnostics. */
  rawLength = 0;

  /**
   * Encodes `frame` with sequence number `seq` (taken modulo 65536) and returns the bytes to write:
   * a view of an internal buffer, valid until the next call.
   */
  encode(frame: TrackingFrame, seq: number): Uint8Array {
    const v = this.view;
    const face = frame.face;
    v.setUint8(0, SERIAL_MAGIC);
    v.setUint8(1, SERIAL_PROTOCOL_VERSION);
    v.setUint8(2, face ? SERIAL_MESSAGE_FACE : SERIAL_MESSAGE_NO_FACE);
    v.setUint16(3, seq & 0xffff, true);
    const t = Math.round(frame.timeMs);
    v.setUint32(5, Number.isFinite(t) ? t >>> 0 : 0, true);
    let o = SERIAL_HEADER_BYTES;
    if (face) {
      const { pose, gaze, eyes, mouth, brows, blendshapes } = face;
      v.setInt16(o, centiDegrees(pose.yaw), true);
      v.setInt16(o + 2, centiDegrees(pose.pitch), true);
      v.setInt16(o + 4, centiDegrees(pose.roll), true);
      v.setInt16(o + 6, saturateI16(pose.translationMm[0]), true);
      v.setInt16(o + 8, saturateI16(pose.translationMm[1]), true);
      v.setInt16(o + 10, saturateI16(pose.translationMm[2]), true);
      v.setInt16(o + 12, centiDegrees(gaze.left.yaw), true);
      v.setInt16(o + 14, centiDegrees(gaze.left.pitch), true);
      v.setInt16(o + 16, centiDegrees(gaze.right.yaw), true);
      v.setInt16(o + 18, centiDegrees(gaze.right.pitch), true);
      o += 20;
      const vowels = mouth.vowels;
      v.setUint16(o, unorm16(eyes.left), true);
      v.setUint16(o + 2, unorm16(eyes.right), true);
      v.setUint16(o + 4, unorm16(mouth.open), true);
      v.setUint16(o + 6, unorm16(mouth.wide), true);
      v.setUint16(o + 8, unorm16(vowels.a), true);
      v.setUint16(o + 10, unorm16(vowels.i), true);
      v.setUint16(o + 12, unorm16(vowels.u), true);
      v.setUint16(o + 14, unorm16(vowels.e), true);
      v.setUint16(o + 16, unorm16(vowels.o), true);
      v.setUint16(o + 18, unorm16(brows.left), true);
      v.setUint16(o + 20, unorm16(brows.right), true);
      o += 22;
      v.setUint8(o++, SERIAL_BLENDSHAPE_ORDER.length);
      for (let i = 0; i < SERIAL_BLENDSHAPE_ORDER.length; i++) {
        v.setUint16(o, unorm16(blendshapes[SERIAL_BLENDSHAPE_ORDER[i]] ?? 0), true);
        o += 2;
      }
    }
    v.setUint16(o, crc16CcittFalse(this.raw, 0, o), true);
    o += SERIAL_CRC_BYTES;
    this.rawLength = o;
    const n = cobsEncode(this.raw, o, this.wire);
    this.wire[n] = 0x00;
    return this.wire.subarray(0, n + 1);
  }
}
