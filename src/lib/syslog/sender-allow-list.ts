/**
 * Which senders a listener accepts: a list of IPv4 and IPv6 addresses and
 * CIDR ranges ('10.0.0.0/8, 192.168.1.7, ::1, fd00::/8'), separated by
 * commas, spaces or line breaks. An empty list allows everyone.
 *
 * A socket gives IPv4 peers of a dual-stack listener as IPv4-mapped IPv6
 * ('::ffff:10.1.2.3'), and link-local peers with a zone ('fe80::1%eth0'):
 * both are matched as the address they stand for. An entry that is no
 * address or range is refused when the list is parsed, naming it, so that a
 * typo never silently shuts a sender out (or lets everyone in).
 */
import { BlockList, isIP } from 'node:net';

type Family = 'ipv4' | 'ipv6';

const MAPPED_PREFIX = '::ffff:';

/** The family of an address as node:net names it, or undefined. */
function familyOf(address: string): Family | undefined {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

/** The IPv4 address an IPv4-mapped IPv6 address stands for ('::ffff:a01:203' too), or undefined. */
function unmapped(address: string): string | undefined {
  if (!address.toLowerCase().startsWith(MAPPED_PREFIX)) return undefined;
  const rest = address.slice(MAPPED_PREFIX.length);
  if (isIP(rest) === 4) return rest;
  const match = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(rest);
  if (match === null) return undefined;
  const high = parseInt(match[1], 16);
  const low = parseInt(match[2], 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** Why an entry is not an address or CIDR range, or undefined when it is one; adds it to `list` when it is. */
function addEntry(list: BlockList, entry: string): string | undefined {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  if (address.includes('%')) return 'a zone (%…) cannot be part of an allowed address';
  const family = familyOf(address);
  if (family === undefined) return `"${address}" is not an IPv4 or IPv6 address`;
  if (slash < 0) {
    list.addAddress(address, family);
    return undefined;
  }
  const prefixText = entry.slice(slash + 1);
  const maxPrefix = family === 'ipv4' ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
    return `the prefix length "${prefixText}" is not a number from 0 to ${maxPrefix}`;
  }
  list.addSubnet(address, Number(prefixText), family);
  return undefined;
}

export class SenderAllowList {
  private readonly list: BlockList;
  private readonly entries: readonly string[];

  private constructor(list: BlockList, entries: readonly string[]) {
    this.list = list;
    this.entries = entries;
  }

  /**
   * Reads a list. Throws an Error naming the first entry that is not an
   * IPv4/IPv6 address or CIDR range, and why.
   */
  static parse(text: string): SenderAllowList {
    const entries = text.split(/[\s,]+/).filter((entry) => entry.length > 0);
    const list = new BlockList();
    for (const entry of entries) {
      const problem = addEntry(list, entry);
      if (problem !== undefined) throw new Error(`"${entry}" is not an address or CIDR range: ${problem}`);
    }
    return new SenderAllowList(list, entries);
  }

  /** True when the list is empty: every sender is allowed. */
  get everyone(): boolean {
    return this.entries.length === 0;
  }

  /** Whether a sender's address is allowed. Anything that is not an IP address is not, even when everyone is; never throws. */
  allows(address: string): boolean {
    // A destroyed socket's remoteAddress is undefined: refused even when everyone is allowed.
    if (typeof address !== 'string') return false;
    const zone = address.indexOf('%');
    const bare = zone < 0 ? address : address.slice(0, zone);
    const family = familyOf(bare);
    // Only IPv6 addresses have zones.
    if (family === undefined || (zone >= 0 && family !== 'ipv6')) return false;
    if (this.everyone) return true;
    try {
      if (this.list.check(bare, family)) return true;
      // Mapped addresses both ways, whatever node:net's BlockList does with them.
      if (family === 'ipv4') return this.list.check(MAPPED_PREFIX + bare, 'ipv6');
      const v4 = unmapped(bare);
      return v4 !== undefined && this.list.check(v4, 'ipv4');
    } catch {
      return false;
    }
  }

  /** The entries, as given, separated by ', ' (empty when everyone is allowed). */
  toString(): string {
    return this.entries.join(', ');
  }
}
