/** Loading the addon: found from the source tree, and a clear error (no silent fallback) when absent. */
import { describe, expect, it, vi } from 'vitest';

describe('nativeAddon()', () => {
  it('loads build/Release/vtlink_native.node with every declared export', async () => {
    const { nativeAddon } = await import('../src/native/addon');
    const addon = nativeAddon();
    for (const name of ['simdLevel', 'supportedSimdLevels', 'preprocess', 'decodeBlazeFace', 'notify'] as const) {
      expect(typeof addon[name], name).toBe('function');
    }
  });

  it('tells to run npm ci / npm run build:addon when the addon is not built', async () => {
    vi.resetModules();
    const saved = process.env.VTLINK_NATIVE_ADDON;
    process.env.VTLINK_NATIVE_ADDON = '/nonexistent/vtlink_native.node';
    try {
      const { nativeAddon, NativeAddonMissingError } = await import('../src/native/addon');
      expect(() => nativeAddon()).toThrow(NativeAddonMissingError);
      expect(() => nativeAddon()).toThrow(/not built .*run `npm ci` or `npm run build:addon`/);
    } finally {
      if (saved === undefined) delete process.env.VTLINK_NATIVE_ADDON;
      else process.env.VTLINK_NATIVE_ADDON = saved;
      vi.resetModules();
    }
  });
});
