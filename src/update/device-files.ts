/**
 * The few files of the image the updater reads: RAUC's system.conf (is RAUC set up here, and for
 * which compatible), /etc/vtlink-release (the running version) and the kernel's boot id (to tell a
 * restart of the service from a reboot of the box).
 */
import { readFile } from 'node:fs/promises';

export interface SystemConf {
  /** [system] compatible=, e.g. "vtlink-amd64". */
  compatible: string;
  /** [slot.<name>] sections with their bootname, e.g. rootfs.0 → A. */
  slots: { name: string; bootname: string | null }[];
}

/**
 * The keys we need from a RAUC system.conf (a GLib key file: [sections], key=value, # comments).
 * Throws when the file cannot be read or names no compatible (RAUC itself refuses such a file).
 */
export async function readSystemConf(file: string): Promise<SystemConf> {
  const text = await readFile(file, 'utf8');
  let section = '';
  let compatible = '';
  const slots = new Map<string, string | null>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1].trim();
      if (section.startsWith('slot.')) slots.set(section.slice(5), slots.get(section.slice(5)) ?? null);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (section === 'system' && key === 'compatible') compatible = value;
    if (section.startsWith('slot.') && key === 'bootname') slots.set(section.slice(5), value);
  }
  if (!compatible) throw new Error(`${file} names no [system] compatible`);
  return { compatible, slots: [...slots].map(([name, bootname]) => ({ name, bootname })) };
}

export interface Release {
  version: string;
  compatible: string | null;
  build: string | null;
}

/**
 * /etc/vtlink-release: shell-style `KEY=value` lines (VERSION, COMPATIBLE, BUILD; values may be
 * quoted), written by image/build.sh. Null when absent (a development machine) or without VERSION.
 */
export async function readRelease(file: string): Promise<Release | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  const values = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)=(.*)$/.exec(raw);
    if (!m) continue;
    let v = m[2].trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    values.set(m[1], v);
  }
  const version = values.get('VERSION');
  if (!version) return null;
  return { version, compatible: values.get('COMPATIBLE') || null, build: values.get('BUILD') || null };
}

/** The kernel's id of this boot (changes at every boot), or null where it cannot be read. */
export async function readBootId(file = '/proc/sys/kernel/random/boot_id'): Promise<string | null> {
  try {
    return (await readFile(file, 'utf8')).trim() || null;
  } catch {
    return null;
  }
}
