/**
 * Where the VTube Studio plugin token lives between runs. The user approves the plugin once in
 * VTube Studio; the token it hands out is reused on every later connection so they are not asked
 * again.
 */

import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';

export interface VtsTokenStore {
  /** The saved token, or null when there is none yet. */
  load(): Promise<string | null>;
  save(token: string): Promise<void>;
}

/** The token in one small file of `directory` (created when missing), replaced atomically, mode 0600. */
export class FileTokenStore implements VtsTokenStore {
  readonly file: string;

  constructor(
    private readonly directory: string,
    fileName = 'vtube-studio.token',
  ) {
    this.file = path.join(directory, fileName);
  }

  async load(): Promise<string | null> {
    try {
      const token = (await readFile(this.file, 'utf8')).trim();
      return token.length > 0 ? token : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async save(token: string): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(`${token}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.file);
  }
}
