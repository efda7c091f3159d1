/**
 * The pieces of one line or message that came in several reads, held until
 * its end comes: joined once, at the end, not at every read.
 */
export class HeldBytes {
  private parts: Buffer[] = [];
  /** Bytes held. */
  length = 0;

  add(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  /** Everything held, as one buffer; holds nothing after. */
  take(): Buffer {
    const bytes = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.length);
    this.clear();
    return bytes;
  }

  clear(): void {
    this.parts = [];
    this.length = 0;
  }
}
