/**
 * The folder a dir-watch follows: whether it is there, where it really lies
 * (it may be a link), and which devices below it are pseudo file systems.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { fileSystemType, pseudoFileSystem } from './file-system-types';

/** The folder to watch, as found. */
export interface RootInfo {
  /** Its real path (chokidar is given it: it does not follow links). */
  real: string;
  dev: number;
  /** The pseudo file system it is on, if one. */
  pseudo: string | undefined;
}

export interface PseudoFsRules {
  /** Enter folders on pseudo file systems (proc, sysfs, ...); off by default. */
  pseudoFs?: boolean;
  /** The statfs magic number of a folder's file system (replaceable for tests). */
  fileSystemType?: (dir: string) => Promise<number | undefined>;
}

export class RootFolder {
  /** The folder as configured, resolved. */
  readonly path: string;
  /** Its real path, once found (until then, `path`). */
  real: string;
  /** Its device, once found (until then, -1). */
  dev = -1;
  /** Pseudo file system (name) or not (undefined), per device: asked once per mount. */
  private readonly pseudoByDev = new Map<number, Promise<string | undefined>>();
  private readonly pseudoKnown = new Map<number, string | undefined>();

  constructor(
    root: string,
    private readonly rules: PseudoFsRules,
  ) {
    this.path = path.resolve(root);
    this.real = this.path;
  }

  /** True when folders on pseudo file systems may be entered. */
  get pseudoAllowed(): boolean {
    return this.rules.pseudoFs === true;
  }

  /** The folder to watch, if it is one; its real path and device are kept. */
  async find(): Promise<RootInfo | undefined> {
    try {
      const stats = await fsp.stat(this.path);
      if (!stats.isDirectory()) return undefined;
      const real = await fsp.realpath(this.path);
      this.real = real;
      this.dev = stats.dev;
      return { real, dev: stats.dev, pseudo: await this.pseudoAt(real, stats.dev) };
    } catch {
      return undefined;
    }
  }

  /** The pseudo file system `dir` lies on (undefined: none, or allowed), asked once per device. */
  pseudoAt(dir: string, dev: number): Promise<string | undefined> {
    if (this.pseudoAllowed) return Promise.resolve(undefined);
    let answer = this.pseudoByDev.get(dev);
    if (!answer) {
      answer = (this.rules.fileSystemType ?? fileSystemType)(dir).then(pseudoFileSystem, () => undefined);
      void answer.then((name) => this.pseudoKnown.set(dev, name));
      this.pseudoByDev.set(dev, answer);
    }
    return answer;
  }

  /** Whether the device is a pseudo file system, when that has been asked and answered already (else undefined). */
  isKnownPseudo(dev: number): boolean | undefined {
    return this.pseudoKnown.has(dev) ? this.pseudoKnown.get(dev) !== undefined : undefined;
  }

  /** True when a real path is the real root or lies inside it. */
  inside(real: string): boolean {
    const rel = path.relative(this.real, real);
    return !rel.startsWith('..') && !path.isAbsolute(rel);
  }

  /** Where `dir`, a path under root, really lies when no link below root is on its way. */
  realPathOf(dir: string): string {
    return path.join(this.real, path.relative(this.path, dir));
  }

  /** A path under the real root (chokidar's) turned back into the path under root. */
  fromReal(file: string): string {
    if (this.real === this.path) return file;
    const rel = path.relative(this.real, file);
    return rel.startsWith('..') || path.isAbsolute(rel) ? file : path.join(this.path, rel);
  }
}
