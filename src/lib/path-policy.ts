/**
 * Which paths the source nodes may read: the allow-list set as
 * `logIngest.allowedPaths` in Node-RED's settings.js.
 *
 * An entry is a folder (everything under it may be read) or a glob (a path
 * that matches it, or lies under a folder that matches it). A path is
 * allowed when, normalised (no `.` or `..` left), it lies within an entry,
 * and when the file it leads to (its real path, symlinks resolved) does too.
 * Both, because a symlink inside an allowed folder may point anywhere, and a
 * path outside the list is refused however it is spelt.
 *
 * The decision is made on the open file where there is one (its real path
 * read from the descriptor), so a name swapped between the check and the
 * open cannot slip through.
 */
import { fstat as fstatCallback, promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import micromatch from 'micromatch';

const fstat = promisify(fstatCallback);

/** The setting as read: not set (no limit), a list, or a value that is not a list of paths. */
export type AllowedPathsSetting =
  | { kind: 'unlimited' }
  | { kind: 'limited'; entries: string[] }
  /** Malformed: nothing may be read (a setting that asks for confinement must not fail open). */
  | { kind: 'invalid'; problem: string };

/** Reads `logIngest.allowedPaths`: undefined or null is "not set", anything but a list of non-empty strings is invalid. */
export function readAllowedPaths(value: unknown): AllowedPathsSetting {
  if (value === undefined || value === null) return { kind: 'unlimited' };
  if (!Array.isArray(value)) return { kind: 'invalid', problem: `not a list but ${describe(value)}` };
  for (const [i, entry] of value.entries()) {
    if (typeof entry !== 'string' || entry.trim() === '') return { kind: 'invalid', problem: `entry ${i} is ${describe(entry)}, not a path` };
    // "Everything but" has no meaning in a list of what may be read.
    if (entry.trim().startsWith('!')) return { kind: 'invalid', problem: `entry ${i} (${entry}) is a negated glob` };
  }
  return { kind: 'limited', entries: (value as string[]).map((e) => e.trim()) };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

/** True when `entry` is a glob rather than a plain folder. */
export function isGlob(entry: string): boolean {
  return micromatch.scan(entry).isGlob;
}

/**
 * True when `candidate` (absolute, normalised) lies within one of `entries`
 * (absolute, normalised): equal to a folder or below it on a segment
 * boundary (`/var/log` holds `/var/log/a` but not `/var/logs2`), or, for a
 * glob, matching it itself or through one of its parent folders.
 */
export function isWithin(candidate: string, entries: readonly string[]): boolean {
  for (const entry of entries) {
    if (isGlob(entry)) {
      for (let p = candidate; ; p = path.dirname(p)) {
        if (micromatch.isMatch(p, entry, { dot: true })) return true;
        if (path.dirname(p) === p) break;
      }
    } else if (candidate === entry || candidate.startsWith(entry.endsWith(path.sep) ? entry : entry + path.sep)) {
      return true;
    }
  }
  return false;
}

/** An open file: its descriptor, to learn what it really is. */
export interface OpenDescriptor {
  fd: number;
}

export class PathPolicy {
  /** The entries as absolute, normalised paths (relative ones against `base`). */
  readonly entries: readonly string[];
  /** Real paths of entries (or of a glob's fixed start) that are reached through a symlink. */
  private readonly realEntries = new Map<string, string>();

  constructor(
    readonly setting: AllowedPathsSetting,
    /** Where relative paths are resolved. */
    readonly base: string,
  ) {
    this.entries = setting.kind === 'limited' ? setting.entries.map((e) => path.resolve(base, e)) : [];
  }

  /** False when every path may be read (the setting is not set). */
  get limited(): boolean {
    return this.setting.kind !== 'unlimited';
  }

  /** The path, absolute and normalised, as this policy judges it. */
  resolve(file: string): string {
    return path.resolve(this.base, file);
  }

  /** The path as given (normalised: `..` cannot step out) lies within the list. Says nothing about symlinks: see `admits`. */
  allows(file: string): boolean {
    return !this.limited || isWithin(this.resolve(file), this.entries);
  }

  /**
   * The whole check: the path as given, and the file it leads to. With
   * `opened`, the file open under that path (the answer is then about the
   * very file that will be read). Without it, a path that does not exist
   * (yet) is judged by its name alone: whatever is opened there later is
   * checked again.
   */
  async admits(file: string, opened?: OpenDescriptor): Promise<boolean> {
    if (!this.limited) return true;
    if (!this.allows(file)) return false;
    let real: string | undefined;
    try {
      // As the system would open it: `sub/..` through a symlinked `sub` leads elsewhere than its name says.
      real = await realPathOf(path.isAbsolute(file) ? file : `${this.base}${path.sep}${file}`, opened);
    } catch (err) {
      return !opened && (err as NodeJS.ErrnoException).code === 'ENOENT';
    }
    if (real === undefined) return false;
    return isWithin(real, this.entries) || isWithin(real, await this.realEntryPaths());
  }

  /** The entries with symlinks in them resolved (an allowed /var/log that is a link to /data/log allows /data/log/x). */
  private async realEntryPaths(): Promise<string[]> {
    const reals: string[] = [];
    for (const entry of this.entries) {
      let real = this.realEntries.get(entry);
      if (real === undefined) {
        const scanned = micromatch.scan(entry);
        const fixed = scanned.isGlob ? scanned.base || path.sep : entry;
        try {
          const realFixed = await fsp.realpath(fixed);
          real = scanned.isGlob ? path.posix.join(realFixed, scanned.glob) : realFixed;
          // Remembered once found: the entries' own links are the administrator's, they do not move under us.
          this.realEntries.set(entry, real);
        } catch {
          continue; // not there (yet): its name is all there is
        }
      }
      reals.push(real);
    }
    return reals;
  }
}

/**
 * Where a path really leads. For an open file, what its descriptor names
 * (Linux's /proc), or else the path's real path, provided it is still the
 * file that is open. Undefined when the open file has no path to judge by.
 */
async function realPathOf(file: string, opened: OpenDescriptor | undefined): Promise<string | undefined> {
  if (opened && process.platform === 'linux') {
    try {
      const link = await fsp.readlink(`/proc/self/fd/${opened.fd}`);
      if (!link.startsWith('/')) return undefined; // a pipe or socket: no file to judge
      return link.endsWith(' (deleted)') ? link.slice(0, -' (deleted)'.length) : link;
    } catch {
      // no /proc (a container without it): by the path below
    }
  }
  const real = await fsp.realpath(file);
  if (opened) {
    const [atPath, open]: Stats[] = await Promise.all([fsp.stat(real), fstat(opened.fd)]);
    // Replaced between the open and now: what was opened is not known to be there.
    if (atPath.dev !== open.dev || atPath.ino !== open.ino) return undefined;
  }
  return real;
}
