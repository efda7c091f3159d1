/**
 * File names that are not valid UTF-8. Node gives them as strings with
 * U+FFFD, which open nothing: they can only be reported, their bytes escaped.
 */
import { promises as fsp } from 'node:fs';

/**
 * The names in `dir` that are not valid UTF-8 and that `wanted` (given the
 * name as Node decodes it) would follow, escaped (see escapeName). A folder
 * that cannot be listed has none.
 */
export async function undecodableNames(dir: string, wanted: (lossyName: string, isDirectory: boolean) => boolean): Promise<string[]> {
  let entries;
  try {
    entries = await fsp.readdir(dir, { encoding: 'buffer', withFileTypes: true });
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const entry of entries) {
    const raw = entry.name as unknown as Buffer;
    const lossy = raw.toString('utf8');
    if (Buffer.from(lossy, 'utf8').equals(raw)) continue; // valid, U+FFFD included
    if (wanted(lossy, entry.isDirectory())) names.push(escapeName(raw));
  }
  return names;
}

/**
 * A file name's bytes as text: valid UTF-8 as it is, other bytes (and
 * control characters) as \xHH, a backslash as \\.
 */
export function escapeName(raw: Buffer): string {
  let out = '';
  for (let i = 0; i < raw.length; ) {
    const byte = raw[i];
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte < 0xe0 ? 2 : byte >= 0xe0 && byte < 0xf0 ? 3 : byte >= 0xf0 && byte < 0xf5 ? 4 : 0;
    const piece = length > 0 && i + length <= raw.length ? raw.subarray(i, i + length) : undefined;
    const text = piece?.toString('utf8');
    if (piece && text !== undefined && !text.includes('\uFFFD') && Buffer.from(text, 'utf8').equals(piece)) {
      if (text === '\\') out += '\\\\';
      else if (length === 1 && (byte < 0x20 || byte === 0x7f)) out += `\\x${byte.toString(16).padStart(2, '0')}`;
      else out += text;
      i += length;
    } else {
      out += `\\x${byte.toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}
