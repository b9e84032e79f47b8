/**
 * Writes zip files for tests, byte by byte (PKWARE APPNOTE 4.3): names are written as given, so a
 * test can make the hostile zips ("../x", "/etc/x") that zip tools refuse to make. Entries are
 * deflated (or stored with `store: true`); no zip64, no encryption.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Buffer | string;
  store?: boolean;
}

export function writeZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const raw = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, 'utf8');
    const body = e.store ? raw : deflateRawSync(raw);
    const method = e.store ? 0 : 8;
    const crc = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * The files of a Live2D model folder as vtlink checks them: a .model3.json naming a .moc3 (only its
 * "MOC3" signature is real: this is not a model anything can draw) and a texture. For the upload's
 * checks, never for rendering.
 */
export function modelFolderEntries(folder = 'Mika'): ZipEntry[] {
  const model = {
    Version: 3,
    FileReferences: { Moc: 'Mika.moc3', Textures: ['Mika.2048/texture_00.png'], Physics: 'Mika.physics3.json' },
    Groups: [],
  };
  return [
    { name: `${folder}/`, data: '' },
    { name: `${folder}/Mika.model3.json`, data: JSON.stringify(model) },
    { name: `${folder}/Mika.moc3`, data: Buffer.concat([Buffer.from('MOC3'), Buffer.alloc(2000, 7)]) },
    { name: `${folder}/Mika.2048/texture_00.png`, data: Buffer.from('\x89PNG\r\n\x1a\n stand-in texture bytes') },
    { name: `${folder}/Mika.physics3.json`, data: '{"Version":3}' },
  ];
}
