// Minimal protocol-buffers reader: a message as its list of fields, each kept with its raw bytes, so an
// editor can change a few fields and write every other one back byte for byte (unknown fields too).

export interface ProtoField {
  readonly field: number;
  readonly wireType: number;
  /** Varint value (wire type 0). */
  readonly varint?: bigint;
  /** Payload of a length-delimited field (wire type 2), a view into the source buffer. */
  readonly bytes?: Uint8Array;
  /** The whole field, tag included, as it was read. */
  readonly raw: Uint8Array;
}

export class ProtoReadError extends Error {}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new ProtoReadError('truncated varint');
    const byte = buf[pos++];
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, pos];
    shift += 7n;
    if (shift > 63n) throw new ProtoReadError('varint longer than 10 bytes');
  }
}

export function readFields(buf: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(buf, pos);
    pos = afterTag;
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (field < 1) throw new ProtoReadError(`invalid field number at byte ${start}`);
    let varint: bigint | undefined;
    let bytes: Uint8Array | undefined;
    switch (wireType) {
      case 0:
        [varint, pos] = readVarint(buf, pos);
        break;
      case 1:
        pos += 8;
        break;
      case 2: {
        const [len, after] = readVarint(buf, pos);
        const end = after + Number(len);
        if (end > buf.length) throw new ProtoReadError(`field ${field} runs past the end (${end} > ${buf.length})`);
        bytes = buf.subarray(after, end);
        pos = end;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new ProtoReadError(`unsupported wire type ${wireType} at byte ${start}`);
    }
    if (pos > buf.length) throw new ProtoReadError('truncated field');
    fields.push({ field, wireType, varint, bytes, raw: buf.subarray(start, pos) });
  }
  return fields;
}

export function fieldString(f: ProtoField): string {
  if (f.bytes === undefined) throw new ProtoReadError(`field ${f.field} is not length-delimited`);
  return new TextDecoder().decode(f.bytes);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
