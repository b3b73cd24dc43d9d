/**
 * Little-endian readers and writers over Buffers, in the shapes Tesseract's
 * TFile uses when it serialises models: fixed-width integers and floats,
 * strings as a 32-bit length followed by the bytes, and vectors as a 32-bit
 * count followed by the elements.
 */

/** Reads a Buffer front to back; every read checks that the bytes are there. */
export class ByteReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): number {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new Error(`model truncated: need ${n} bytes at offset ${this.pos}, have ${this.remaining}`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  i8(): number {
    return this.buf.readInt8(this.need(1));
  }

  u8(): number {
    return this.buf.readUInt8(this.need(1));
  }

  i32(): number {
    return this.buf.readInt32LE(this.need(4));
  }

  u32(): number {
    return this.buf.readUInt32LE(this.need(4));
  }

  f32(): number {
    return this.buf.readFloatLE(this.need(4));
  }

  f64(): number {
    return this.buf.readDoubleLE(this.need(8));
  }

  i64(): bigint {
    return this.buf.readBigInt64LE(this.need(8));
  }

  /** A copy of the next `n` bytes. */
  bytes(n: number): Buffer {
    const at = this.need(n);
    return Buffer.from(this.buf.subarray(at, at + n));
  }

  /** A string stored as a 32-bit length and that many bytes (UTF-8). */
  string(): string {
    const n = this.u32();
    return this.bytes(n).toString('utf8');
  }

  /** The rest of the buffer. */
  rest(): Buffer {
    return this.bytes(this.remaining);
  }
}

/** Appends values to a growing list of chunks; `toBuffer` joins them. */
export class ByteWriter {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private fixed(n: number, write: (b: Buffer) => void): void {
    const b = Buffer.alloc(n);
    write(b);
    this.push(b);
  }

  i8(v: number): void {
    this.fixed(1, (b) => b.writeInt8(v, 0));
  }

  u8(v: number): void {
    this.fixed(1, (b) => b.writeUInt8(v, 0));
  }

  i32(v: number): void {
    this.fixed(4, (b) => b.writeInt32LE(v, 0));
  }

  u32(v: number): void {
    this.fixed(4, (b) => b.writeUInt32LE(v, 0));
  }

  f32(v: number): void {
    this.fixed(4, (b) => b.writeFloatLE(v, 0));
  }

  f64(v: number): void {
    this.fixed(8, (b) => b.writeDoubleLE(v, 0));
  }

  i64(v: bigint): void {
    this.fixed(8, (b) => b.writeBigInt64LE(v, 0));
  }

  bytes(b: Buffer): void {
    this.push(Buffer.from(b));
  }

  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u32(b.length);
    this.push(b);
  }

  /** Many doubles at once (a weight matrix's cells). */
  f64Array(values: Float64Array): void {
    const b = Buffer.alloc(values.length * 8);
    for (let i = 0; i < values.length; i++) b.writeDoubleLE(values[i] as number, i * 8);
    this.push(b);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}
