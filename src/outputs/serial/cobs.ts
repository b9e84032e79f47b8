/**
 * COBS (Consistent Overhead Byte Stuffing, Cheshire & Baker 1999) encoder. The output contains no
 * 0x00 byte, so a 0x00 can delimit frames on the wire and a receiver that joins mid-stream
 * resynchronises at the next 0x00. Overhead: one byte per started 254-byte block, plus one.
 */

/** Largest encoded size of `length` input bytes (without the delimiter). */
export function cobsMaxEncodedLength(length: number): number {
  return length + Math.floor(length / 254) + 1;
}

/**
 * Encodes src[0, length) into dst from offset 0 and returns the number of bytes written (no
 * delimiter). dst must hold cobsMaxEncodedLength(length) bytes; nothing is allocated.
 */
export function cobsEncode(src: Uint8Array, length: number, dst: Uint8Array): number {
  let codeIndex = 0; // where the current block's code byte goes
  let out = 1;
  let code = 1; // 1 + number of data bytes in the current block
  for (let i = 0; i < length; i++) {
    if (code === 0xff) {
      // The previous block holds 254 non-zero bytes: it closes without an implied zero. Closed
      // lazily, so input ending exactly on a full block gets no extra empty block (canonical COBS).
      dst[codeIndex] = code;
      codeIndex = out++;
      code = 1;
    }
    const byte = src[i];
    if (byte === 0) {
      dst[codeIndex] = code;
      codeIndex = out++;
      code = 1;
    } else {
      dst[out++] = byte;
      code++;
    }
  }
  dst[codeIndex] = code;
  return out;
}
