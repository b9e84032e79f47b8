/**
 * Errors raised by frame sources. Every message names the source (file path or device) and says
 * what to do where there is something to do, so a CLI can print `error.message` as one line.
 */

/** Base class: the source could not be opened, or failed in a way that ends it. */
export class FrameSourceError extends Error {
  constructor(
    /** The file path, folder or device the error is about. */
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FrameSourceError';
  }
}

/**
 * One image or frame could not be decoded (unreadable, truncated, corrupt, unsupported format).
 * In a folder this is per file: the folder source reports it and goes on with the next file.
 */
export class FrameDecodeError extends FrameSourceError {
  constructor(
    /** The file that failed. */
    readonly path: string,
    /** Why, in a few words (e.g. "truncated JPEG: marker was not found"). */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(path, `${path}: cannot decode image: ${reason}`, options);
    this.name = 'FrameDecodeError';
  }
}

/** An external decoder program (ffmpeg, ffprobe) is not installed or not executable. */
export class DecoderMissingError extends FrameSourceError {
  constructor(
    source: string,
    /** The program that could not be started, as it was looked up (e.g. "ffprobe"). */
    readonly program: string,
    options?: { cause?: unknown },
  ) {
    super(
      source,
      `${source}: cannot start ${program}: it is not installed or not on PATH. ` +
        'Video files are decoded by FFmpeg: install it with `apt-get install ffmpeg`.',
      options,
    );
    this.name = 'DecoderMissingError';
  }
}

/**
 * A camera or capture pipeline could not be opened: missing device, a format it cannot give, a
 * GStreamer pipeline that does not parse or fails at start. `code` says which (ENOENT, ENOTV4L2,
 * EFORMAT, EBUSY, ECAPTURE); the message lists the devices and formats that exist where it helps.
 */
export class CameraError extends FrameSourceError {
  constructor(
    source: string,
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(source, message, options);
    this.name = 'CameraError';
  }
}
