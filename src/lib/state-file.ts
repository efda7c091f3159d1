/**
 * What the checkpoint store and the kill switches share about their small
 * state files: one file name per key (a node id, or a key built from one),
 * and keeping an unusable file aside for whoever investigates.
 */
import { createHash } from 'node:crypto';
import { promises as fsp, renameSync } from 'node:fs';

/** Characters kept as they are in a file name: safe on every file system. */
const SAFE = /^[A-Za-z0-9_.-]$/;
/** Longest encoded key kept whole; longer ones are cut and end with a hash. */
const MAX_NAME = 150;
/** Where a longer one is cut (at most; never inside an escape). */
const CUT = 100;
/**
 * Marks a cut name. An escape is `%` and then two hex digits or `u` and
 * four, so `%%` never appears in an uncut name.
 */
const CUT_MARK = '%%';

/** `key` with every character outside SAFE escaped; decodable, so distinct keys stay distinct. */
function encodeKey(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key[i] as string;
    if (SAFE.test(ch)) {
      out += ch;
      continue;
    }
    // UTF-16 code units, not UTF-8 bytes: a lone surrogate stays distinct too.
    const unit = key.charCodeAt(i);
    out += unit < 0x100 ? `%${hex(unit, 2)}` : `%u${hex(unit, 4)}`;
  }
  return out;
}

const hex = (n: number, digits: number) => n.toString(16).toUpperCase().padStart(digits, '0');

/**
 * The file name (with `.json`) that holds the state of `key`.
 *
 * Injective: two keys never share a file. `a/b` is `a%2Fb.json`, `a_b` is
 * `a_b.json`, and `%` itself is escaped. A key of safe characters keeps its
 * name, the one earlier versions gave it. Names stay short enough for the
 * suffixes added to them (temp files, `.unreadable-<time>`): a long key is
 * cut after at most CUT characters and ends with `%%` and a hash of it all.
 * A key's name starts with the name of any prefix of it, as long as the
 * prefix's name is not longer than CUT (see `namesUnder`).
 */
export function stateFileName(key: string): string {
  const encoded = encodeKey(key);
  if (encoded.length <= MAX_NAME) return `${encoded}.json`;
  let cut = CUT;
  // Not inside an escape (%XX or %uXXXX).
  const escape = encoded.lastIndexOf('%', cut - 1);
  if (escape >= 0 && escape + (encoded[escape + 1] === 'u' ? 6 : 3) > cut) cut = escape;
  return `${encoded.slice(0, cut)}${CUT_MARK}${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`;
}

/**
 * A predicate for the file names of keys `prefix` + a rest of safe
 * characters only (a dir-watch's `<id>~<hash>` files, say). Keys whose
 * rest has other characters are left out: `a~` does not take `a~b~c`.
 * A cut name is taken when its visible part fits, so for `a~` a cut
 * name of a key `a~bbb…` (more than CUT characters, `~` after them) would
 * be taken too: node ids are not built like that. A prefix whose own name
 * is longer than CUT matches nothing.
 */
export function namesUnder(prefix: string): (name: string) => boolean {
  const start = encodeKey(prefix);
  if (start.length > CUT) return () => false;
  const rest = /^[A-Za-z0-9_.-]*(?:%%[0-9a-f]{32})?\.json$/;
  return (name) => name.startsWith(start) && rest.test(name.slice(start.length));
}

/**
 * The name earlier versions gave `key` (every unsafe character became `_`),
 * when it differs from today's; undefined when it is the same.
 *
 * Unambiguous when `key` has safe characters only (then only a long key's
 * name differs). Otherwise other keys had the same old name (`a/b` and `a_b`
 * shared `a_b.json`), so a file under it may be another key's: see
 * `isLegacyAmbiguous`.
 */
export function legacyStateFileName(key: string): string | undefined {
  const legacy = `${key.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
  return legacy === stateFileName(key) ? undefined : legacy;
}

/** True when other keys shared `key`'s old file name (it has unsafe characters). */
export function isLegacyAmbiguous(key: string): boolean {
  return /[^A-Za-z0-9_.-]/.test(key);
}

/** Where an unusable state file is kept: beside it, named by the time it was found. */
function asideName(file: string): string {
  return `${file}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}

/** Moves an unusable state file out of the way; returns where, if it could. */
export function keepAside(file: string): string | undefined {
  const aside = asideName(file);
  try {
    renameSync(file, aside);
    return aside;
  } catch {
    return undefined;
  }
}

/** keepAside, without blocking the event loop on a slow disk. */
export async function keepAsideAsync(file: string): Promise<string | undefined> {
  const aside = asideName(file);
  try {
    await fsp.rename(file, aside);
    return aside;
  } catch {
    return undefined;
  }
}
