/**
 * OSC messages grouped into UDP datagrams, encoded with osc-min (https://github.com/russellmcc/node-osc-min);
 * shared by the OSC outputs (VMC, VRChat).
 *
 * Why split: a datagram above the 1472-byte UDP payload an Ethernet/Wi-Fi MTU of 1500 carries is
 * fragmented by the IP layer, and losing any fragment loses the whole datagram (and some routers drop
 * fragments). One VMC frame, for example (5 pose messages + 11 VRM0 + the tracker's 31 ARKit blend
 * values + Apply, 48 messages), encodes to 2208 bytes as one bundle (measured; 1380 + 844 when split
 * at 1400). So bundles are packed up to `maxBytes` (default 1400), in message order. In unbundled
 * mode every message is its own datagram (for receivers that cannot read bundles).
 *
 * Sizes depend only on addresses, type tags and strings, not on the number values, so the grouping is
 * computed once per message layout, not per frame.
 */

import { toBuffer, type OscArgInput, type OscMessageInput } from 'osc-min';

/** A message whose arguments are typed objects the caller mutates in place each frame. */
export interface OscMessage {
  address: string;
  args: OscArg[];
}

export type OscArg =
  | { type: 'float'; value: number }
  | { type: 'integer'; value: number }
  | { type: 'string'; value: string }
  // A boolean is a type tag without data ('T' or 'F'): set `type` to change it.
  | { type: 'true' | 'false'; value?: undefined };

export const BUNDLE_HEADER_BYTES = 16; // "#bundle\0" + 8-byte time tag
/** OSC time tag 1: "immediately". */
const IMMEDIATELY: [number, number] = [0, 1];

function paddedStringBytes(s: string): number {
  return (Buffer.byteLength(s, 'utf8') + 4) & ~3; // string + NUL, padded to 4
}

/** Encoded size of one OSC message, in bytes. */
export function oscMessageBytes(m: OscMessage): number {
  let n = paddedStringBytes(m.address) + paddedStringBytes(',' + 'x'.repeat(m.args.length));
  for (const a of m.args) n += a.type === 'string' ? paddedStringBytes(a.value) : a.type === 'true' || a.type === 'false' ? 0 : 4;
  return n;
}

/**
 * Groups of consecutive message indices, each group one datagram: bundles no larger than maxBytes
 * (a message larger than that alone gets a bundle of its own), or one message per group when
 * `bundled` is false.
 */
export function packMessages(messages: readonly OscMessage[], bundled: boolean, maxBytes: number): number[][] {
  const groups: number[][] = [];
  let current: number[] = [];
  let size = BUNDLE_HEADER_BYTES;
  messages.forEach((m, i) => {
    if (!bundled) {
      groups.push([i]);
      return;
    }
    const element = 4 + oscMessageBytes(m); // size prefix + message
    if (current.length > 0 && size + element > maxBytes) {
      groups.push(current);
      current = [];
      size = BUNDLE_HEADER_BYTES;
    }
    current.push(i);
    size += element;
  });
  if (current.length > 0) groups.push(current);
  return groups;
}

const asInput = (m: OscMessage): OscMessageInput => ({ address: m.address, args: m.args as OscArgInput[] });

/** Encodes one message as a datagram of its own. */
export function encodeMessage(message: OscMessage): DataView {
  return toBuffer(asInput(message));
}

/** Encodes one group as a datagram: a bundle, or the bare message when unbundled. */
export function encodeGroup(messages: readonly OscMessage[], group: readonly number[], bundled: boolean): DataView {
  if (!bundled) return encodeMessage(messages[group[0]]);
  return toBuffer({ timetag: IMMEDIATELY, elements: group.map((i) => asInput(messages[i])) });
}
