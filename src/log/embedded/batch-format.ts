// On-disk batch: one produce call to one partition. All integers big-endian.
//
//   0  magic        u32  'TRB1'
//   4  version      u8   1
//   5  flags        u8   0 (reserved)
//   6  reserved     u16
//   8  length       u32  whole batch in bytes, header included
//  12  crc          u32  zlib.crc32 of bytes [16, length)
//  16  baseOffset   u64
//  24  count        u32
//  28  reserved     u32
//  32  minTimestamp i64  ms
//  40  maxTimestamp i64  ms
//  48  records, each:
//        timestamp i64, keyLength i32 (-1 = null), key, valueLength u32, value,
//        headerCount u32, then per header: nameLength u32, name, valueLength u32, value (UTF-8)
import { crc32 } from 'node:zlib';

export const BATCH_MAGIC = 0x54524231;
export const BATCH_VERSION = 1;
export const BATCH_HEADER_BYTES = 48;

export interface RecordToEncode {
  key: Buffer | null;
  value: Buffer;
  timestamp: number;
  headers: Record<string, string> | undefined;
}

export interface DecodedRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer;
  timestamp: number;
  headers: Record<string, string>;
}

export interface BatchHeader {
  length: number;
  crc: number;
  baseOffset: number;
  count: number;
  minTimestamp: number;
  maxTimestamp: number;
}

export function encodedRecordBytes(record: RecordToEncode): number {
  let size = 8 + 4 + (record.key?.length ?? 0) + 4 + record.value.length + 4;
  if (record.headers) {
    for (const name in record.headers) {
      size += 8 + Buffer.byteLength(name) + Buffer.byteLength(record.headers[name]!);
    }
  }
  return size;
}

export function encodeBatch(baseOffset: number, records: RecordToEncode[]): Buffer {
  let length = BATCH_HEADER_BYTES;
  for (const record of records) length += encodedRecordBytes(record);
  const buf = Buffer.allocUnsafe(length);
  let minTimestamp = Number.MAX_SAFE_INTEGER;
  let maxTimestamp = Number.MIN_SAFE_INTEGER;
  let pos = BATCH_HEADER_BYTES;
  for (const record of records) {
    const ts = Math.trunc(record.timestamp);
    if (ts < minTimestamp) minTimestamp = ts;
    if (ts > maxTimestamp) maxTimestamp = ts;
    buf.writeBigInt64BE(BigInt(ts), pos);
    pos += 8;
    if (record.key === null) {
      buf.writeInt32BE(-1, pos);
      pos += 4;
    } else {
      buf.writeInt32BE(record.key.length, pos);
      pos += 4 + record.key.copy(buf, pos + 4);
    }
    buf.writeUInt32BE(record.value.length, pos);
    pos += 4 + record.value.copy(buf, pos + 4);
    const names = record.headers ? Object.keys(record.headers) : [];
    buf.writeUInt32BE(names.length, pos);
    pos += 4;
    for (const name of names) {
      pos = writeString(buf, pos, name);
      pos = writeString(buf, pos, record.headers![name]!);
    }
  }
  buf.writeUInt32BE(BATCH_MAGIC, 0);
  buf.writeUInt8(BATCH_VERSION, 4);
  buf.writeUInt8(0, 5);
  buf.writeUInt16BE(0, 6);
  buf.writeUInt32BE(length, 8);
  buf.writeBigUInt64BE(BigInt(baseOffset), 16);
  buf.writeUInt32BE(records.length, 24);
  buf.writeUInt32BE(0, 28);
  buf.writeBigInt64BE(BigInt(minTimestamp), 32);
  buf.writeBigInt64BE(BigInt(maxTimestamp), 40);
  buf.writeUInt32BE(crc32(buf.subarray(16)), 12);
  return buf;
}

function writeString(buf: Buffer, pos: number, text: string): number {
  const written = buf.write(text, pos + 4, 'utf8');
  buf.writeUInt32BE(written, pos);
  return pos + 4 + written;
}

/**
 * Reads the header at `pos`; null when the bytes cannot be a batch (bad magic/version, or a
 * length shorter than a header). Does not check the CRC or that the batch fits in `buf`.
 */
export function readBatchHeader(buf: Buffer, pos: number): BatchHeader | null {
  if (buf.length - pos < BATCH_HEADER_BYTES) return null;
  if (buf.readUInt32BE(pos) !== BATCH_MAGIC || buf.readUInt8(pos + 4) !== BATCH_VERSION) return null;
  const length = buf.readUInt32BE(pos + 8);
  if (length < BATCH_HEADER_BYTES) return null;
  return {
    length,
    crc: buf.readUInt32BE(pos + 12),
    baseOffset: Number(buf.readBigUInt64BE(pos + 16)),
    count: buf.readUInt32BE(pos + 24),
    minTimestamp: Number(buf.readBigInt64BE(pos + 32)),
    maxTimestamp: Number(buf.readBigInt64BE(pos + 40)),
  };
}

export function batchCrcMatches(buf: Buffer, pos: number, header: BatchHeader): boolean {
  return crc32(buf.subarray(pos + 16, pos + header.length)) === header.crc;
}

/**
 * Decodes the records of a whole batch at `pos` (the caller checked it fits in `buf`). Keys and
 * values are views into `buf`, which the reader allocated for this fetch alone.
 */
export function decodeRecords(buf: Buffer, pos: number, header: BatchHeader): DecodedRecord[] {
  const records: DecodedRecord[] = new Array(header.count);
  let p = pos + BATCH_HEADER_BYTES;
  for (let i = 0; i < header.count; i++) {
    const timestamp = Number(buf.readBigInt64BE(p));
    p += 8;
    const keyLength = buf.readInt32BE(p);
    p += 4;
    let key: Buffer | null = null;
    if (keyLength >= 0) {
      key = buf.subarray(p, p + keyLength);
      p += keyLength;
    }
    const valueLength = buf.readUInt32BE(p);
    p += 4;
    const value = buf.subarray(p, p + valueLength);
    p += valueLength;
    const headerCount = buf.readUInt32BE(p);
    p += 4;
    const headers: Record<string, string> = {};
    for (let h = 0; h < headerCount; h++) {
      const nameLength = buf.readUInt32BE(p);
      const name = buf.toString('utf8', p + 4, p + 4 + nameLength);
      p += 4 + nameLength;
      const valueLen = buf.readUInt32BE(p);
      headers[name] = buf.toString('utf8', p + 4, p + 4 + valueLen);
      p += 4 + valueLen;
    }
    records[i] = { offset: header.baseOffset + i, key, value, timestamp, headers };
  }
  return records;
}
