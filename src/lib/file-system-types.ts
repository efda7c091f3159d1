/**
 * What kind of file system a path lies on, by the Linux `statfs` magic
 * number (linux/magic.h). One table for every module that asks.
 */
import { statfs } from 'node:fs/promises';

/**
 * Local disk and memory file systems. Anything else (NFS, CIFS/SMB, FUSE,
 * Ceph, 9p, unknown) may wait for a server or a slow device.
 */
export const LOCAL_FILE_SYSTEMS: ReadonlySet<number> = new Set<number>([
  0xef53, // ext2, ext3, ext4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs (devtmpfs too: it has no magic of its own)
  0x858458f6, // ramfs
  0x794c7630, // overlayfs (containers)
  0x2fc12fc1, // zfs
  0xf2f52010, // f2fs
  0xca451a4e, // bcachefs
  0x52654973, // reiserfs
  0x3153464a, // jfs
]);

/**
 * Pseudo file systems: views of the kernel's state, not logs. Their "files"
 * belong to other processes (/proc), change on every read or block on it
 * (/sys, tracefs), and an autofs folder mounts shares when entered.
 */
export const PSEUDO_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x6165676c, 'pstore'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
  [0x19800202, 'mqueue'],
  [0x958458f6, 'hugetlbfs'],
  [0x0187, 'autofs'],
  [0x42494e4d, 'binfmt_misc'],
  [0xde5e81e4, 'efivarfs'],
  [0xf97cff8c, 'selinuxfs'],
  [0x43415d53, 'smackfs'],
  [0x6e736673, 'nsfs'],
  [0x07655821, 'resctrl'],
  [0x9fa1, 'openpromfs'],
  [0x9fa2, 'usbdevfs'],
]);

/** The statfs magic number of the file system `path` lies on; undefined when it cannot be asked (or not on Linux). */
export async function fileSystemType(path: string, platform: NodeJS.Platform = process.platform): Promise<number | undefined> {
  if (platform !== 'linux') return undefined;
  try {
    // f_type is a signed long: a magic above 2^31 is negative where long has 32 bits.
    return Number((await statfs(path)).type) >>> 0;
  } catch {
    return undefined;
  }
}

/** The name of the pseudo file system of this magic number, or undefined for any other. */
export function pseudoFileSystem(type: number | undefined): string | undefined {
  return type === undefined ? undefined : PSEUDO_FILE_SYSTEMS.get(type);
}
