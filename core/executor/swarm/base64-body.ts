/**
 * A streaming base64 decoder for upload bodies. BusyBox wget (1.35) reads a `--post-file` into a
 * C string and sends `strlen()` bytes of it, so a binary file is cut at its first NUL byte; the
 * job script therefore sends base64 text when its wget is BusyBox's (job-script.ts) and says so
 * in a header. Whitespace (base64's line breaks) is skipped; any other character outside the
 * alphabet, or `=` padding before the end, is an error.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** The request header that marks a base64 body, and its value. */
export const BODY_ENCODING_HEADER = 'x-binfarm-body-encoding';
export const BASE64 = 'base64';

export class Base64Decoder extends Transform {
  private rest = '';
  private ended = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const text = this.rest + chunk.toString('latin1').replace(/[\r\n\t ]/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || (this.ended && text.length)) return cb(new Error('the base64 body has characters outside the alphabet'));
    if (text.endsWith('=')) this.ended = true;
    const whole = this.ended ? text.length : text.length - (text.length % 4);
    this.rest = text.slice(whole);
    cb(null, Buffer.from(text.slice(0, whole), 'base64'));
  }

  override _flush(cb: TransformCallback): void {
    if (this.rest.length % 4 === 1) return cb(new Error('the base64 body is truncated'));
    cb(null, this.rest ? Buffer.from(this.rest, 'base64') : undefined);
  }
}
