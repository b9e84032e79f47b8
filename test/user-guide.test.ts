/**
 * docs/user-guide.md: its "Connect your app" section is the guides the Outputs page shows
 * (ui/src/app/guides.ts, rendered by tools/docs/guide-markdown.ts), every picture it shows exists in
 * docs/img/ (made by `npm run docs -- --screenshots`) and is small, and every link into the
 * repository points at a file that is there.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { guidesMarkdown, GUIDES_END, GUIDES_START } from '../tools/docs/guide-markdown';
import { GUIDES } from '../ui/src/app/guides';
import { repoRoot } from './helpers/service';

const docPath = path.join(repoRoot, 'docs/user-guide.md');
const doc = readFileSync(docPath, 'utf8');

describe('the user guide', () => {
  it('carries the guides the touch screen shows (npm run docs rewrites the section)', () => {
    const section = doc.slice(doc.indexOf(GUIDES_START), doc.indexOf(GUIDES_END) + GUIDES_END.length);
    expect(section, 'docs/user-guide.md is stale: run npm run docs').toBe(guidesMarkdown());
    for (const app of ['VSeeFace', 'VNyan', 'Warudo', 'VTube Studio', 'VRChat']) expect(GUIDES.map((g) => g.app)).toContain(app);
    expect(section).not.toMatch(/\{box\}|\{url\}/);
  });

  it('shows only pictures that exist, a few hundred KB in all; links only to files that exist', () => {
    const images = [...doc.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(images.length).toBeGreaterThanOrEqual(5);
    let bytes = 0;
    for (const image of images) {
      const file = path.join(path.dirname(docPath), image);
      expect(existsSync(file), image).toBe(true);
      expect(readFileSync(file).subarray(1, 4).toString('latin1'), image).toBe('PNG');
      bytes += statSync(file).size;
    }
    expect(bytes).toBeLessThan(500 * 1024);
    const links = [...doc.matchAll(/(?<!!)\[[^\]]*\]\(([^)#]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
    for (const link of links) expect(existsSync(path.join(path.dirname(docPath), link)), link).toBe(true);
    expect(readFileSync(path.join(repoRoot, 'README.md'), 'utf8')).toContain('docs/user-guide.md');
  });
});
