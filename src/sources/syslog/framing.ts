// TCP syslog framing (RFC 6587), told apart per message as real senders mix them: octet counting
// (`LEN SP MSG`, a frame starting with a digit) or a message ended by LF (also NUL or CRLF).
// A frame longer than the limit ends the connection: the stream is not syslog.

export class FrameError extends Error {}

export class SyslogFramer {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly maxFrameBytes: number;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** The whole messages the chunk completes; a partial one waits for the next chunk. */
  push(chunk: Buffer): string[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const messages: string[] = [];
    let at = 0;
    for (;;) {
      while (at < this.buffered.length && (this.buffered[at] === 0x0a || this.buffered[at] === 0x0d || this.buffered[at] === 0x00)) at++;
      if (at >= this.buffered.length) break;
      const counted = this.octetCount(at);
      if (counted === 'wait') break;
      if (counted !== null) {
        const { space, count } = counted;
        if (count > this.maxFrameBytes) throw new FrameError(`a frame of ${count} bytes (at most ${this.maxFrameBytes})`);
        if (this.buffered.length < space + 1 + count) break;
        messages.push(this.buffered.toString('utf8', space + 1, space + 1 + count));
        at = space + 1 + count;
      } else {
        let end = at;
        while (end < this.buffered.length && this.buffered[end] !== 0x0a && this.buffered[end] !== 0x00) end++;
        if (end >= this.buffered.length) {
          if (end - at > this.maxFrameBytes) throw new FrameError(`a line longer than ${this.maxFrameBytes} bytes`);
          break;
        }
        messages.push(this.buffered.toString('utf8', at, end));
        at = end + 1;
      }
    }
    this.buffered = this.buffered.subarray(at);
    return messages;
  }

  /** An octet count at `at` (digits, then a space), 'wait' for more bytes, or null: the frame is a line. */
  private octetCount(at: number): { space: number; count: number } | 'wait' | null {
    let end = at;
    while (end < this.buffered.length && end - at <= 10 && this.buffered[end]! >= 0x30 && this.buffered[end]! <= 0x39) end++;
    if (end === at || end - at > 10) return null;
    if (end === this.buffered.length) return 'wait';
    return this.buffered[end] === 0x20 ? { space: end, count: Number(this.buffered.toString('latin1', at, end)) } : null;
  }

  /** What is left when the sender closes: a last message without its LF. */
  end(): string[] {
    const rest = this.buffered.toString('utf8').replace(/[\r\n\0]+$/, '');
    this.buffered = Buffer.alloc(0);
    return rest.trim().length > 0 && !/^\d+ /.test(rest) ? [rest] : [];
  }
}
