/**
 * Which paths under a dir-watch's folder are its files, by its globs: the
 * patterns, less the excluded, within the depth it searches.
 */
import * as path from 'node:path';
import micromatch from 'micromatch';

/** The globs and depth of a dir-watch (DiscoveryOptions has them). */
export interface NameRules {
  /** Globs matched against the path relative to root; one without "/" matches the file name at any depth. */
  patterns: string[];
  exclude: string[];
  recursive: boolean;
  /** Folder levels below root searched when recursive. */
  maxDepth: number;
}

export class NameMatcher {
  constructor(
    private readonly root: string,
    private readonly rules: NameRules,
  ) {}

  /** True when a path (absolute, under root) is one of ours by the patterns. */
  matches(file: string): boolean {
    const rel = path.relative(this.root, file).split(path.sep).join('/');
    if (rel === '' || rel.startsWith('..')) return false;
    if (!this.rules.recursive && rel.includes('/')) return false;
    if (this.rules.recursive && rel.split('/').length - 1 > this.rules.maxDepth) return false;
    return matchesAny(rel, this.rules.patterns) && !matchesAny(rel, this.rules.exclude);
  }

  /** matches() for a name listed in a folder `relDir` (relative to root, "/"-separated) at `depth`: no path arithmetic per name. */
  matchesListed(relDir: string, depth: number, name: string): boolean {
    if (depth > (this.rules.recursive ? this.rules.maxDepth : 0)) return false;
    const rel = relDir === '' ? name : `${relDir}/${name}`;
    return matchesAny(rel, this.rules.patterns) && !matchesAny(rel, this.rules.exclude);
  }
}

/** A glob without "/" is matched against the file name, one with "/" against the relative path. */
function matchesAny(rel: string, globs: string[]): boolean {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  return globs.some((glob) => matcherOf(glob)(glob.includes('/') ? rel : name));
}

/**
 * Compiled globs: every rescan matches every file name, and compiling is
 * most of a match's cost. Shared on purpose by every dir-watch of the
 * process: a compiled glob depends on the glob alone, so one watch may use
 * another's, and the cache holds one entry per glob configured.
 */
const matchers = new Map<string, (text: string) => boolean>();

function matcherOf(glob: string): (text: string) => boolean {
  let matcher = matchers.get(glob);
  if (!matcher) {
    matcher = micromatch.matcher(glob, { dot: true });
    matchers.set(glob, matcher);
  }
  return matcher;
}
