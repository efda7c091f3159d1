/**
 * The files a dir-watch follows. With links followed, one file may be
 * reached by two paths: it is known under one of them (by device and inode).
 */
import type { Stats } from 'node:fs';
import { inodeKey } from './file-identity';

export class KnownFiles {
  private readonly paths = new Set<string>();
  /** With links followed: known files by dev:ino, and whether each was reached through a link. */
  private readonly byIdentity = new Map<string, { path: string; viaLink: boolean }>();
  private readonly identityOf = new Map<string, string>();

  /** `linksFollowed`: files are told apart by identity too (symlinks 'inside'). */
  constructor(private readonly linksFollowed: boolean) {}

  has(file: string): boolean {
    return this.paths.has(file);
  }

  list(): string[] {
    return [...this.paths];
  }

  /**
   * Adds `file` (its stats: `info`), unless it is a known file under another
   * path, one of the two reached through a link: then returns that path,
   * under which the file stays known.
   */
  add(file: string, info: Stats, viaLink: boolean): string | undefined {
    if (this.linksFollowed) {
      const id = inodeKey(info);
      const other = this.byIdentity.get(id);
      if (other && other.path !== file && (viaLink || other.viaLink) && this.paths.has(other.path)) return other.path;
      this.byIdentity.set(id, { path: file, viaLink });
      this.identityOf.set(file, id);
    }
    this.paths.add(file);
    return undefined;
  }

  /** Forgets `file`; false when it was not known. */
  delete(file: string): boolean {
    if (!this.paths.delete(file)) return false;
    const id = this.identityOf.get(file);
    if (id !== undefined) {
      this.identityOf.delete(file);
      if (this.byIdentity.get(id)?.path === file) this.byIdentity.delete(id);
    }
    return true;
  }
}
