/**
 * The kernel check harness (addon/test/kernel_check.cc) outside Node: built natively (SSE4.1/AVX2/AVX-512 vs
 * scalar) and as a static aarch64 binary run under qemu-aarch64 (NEON vs scalar). CI needs the Debian
 * packages g++-aarch64-linux-gnu and qemu-user; without them this test fails, it does not skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './vision-fixtures';

const harnessDir = path.join(repoRoot, 'addon', 'test');

function requireTool(tool: string, debianPackage: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (!found) throw new Error(`${tool} is missing: install the Debian package ${debianPackage}`);
}

function runHarness(target: 'native' | 'aarch64'): string {
  const r = spawnSync('make', ['-s', '-C', harnessDir, target, 'CASES=150'], { encoding: 'utf8', timeout: 120_000 });
  const output = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`make ${target} failed (${r.status ?? r.signal}):\n${output}`);
  return output;
}

/** The CPU feature flags of the first processor in /proc/cpuinfo (Linux). */
function cpuFlags(): Set<string> {
  const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
  return new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
}

/** Lines "preprocess <level> <format> max_abs_diff <d> ..." and "scan <level> mismatches <n> ...". */
function levelsIn(output: string): Set<string> {
  return new Set([...output.matchAll(/^(?:preprocess|scan) (\S+) /gm)].map((m) => m[1]));
}

describe('SIMD kernels vs scalar, standalone harness', () => {
  it('x86-64: SSE4.1, AVX2 and (where the CPU has it) AVX-512 match the scalar reference', { timeout: 120_000 }, () => {
    if (process.arch !== 'x64') return; // the aarch64 case below covers arm64 hosts' NEON natively
    requireTool('g++', 'g++');
    const out = runHarness('native');
    console.log(out.trim());
    expect(out).toMatch(/ALL OK/);
    expect(levelsIn(out)).toContain('sse4.1');
    // Every level this CPU has ran (AVX-512: F, BW, VL and VBMI, as simd_level.cc asks cpuid).
    const flags = cpuFlags();
    if (flags.has('avx2')) expect(levelsIn(out)).toContain('avx2');
    if (['avx512f', 'avx512bw', 'avx512vl', 'avx512vbmi'].every((f) => flags.has(f))) expect(levelsIn(out)).toContain('avx512');
    expect(out).not.toMatch(/FAIL/);
    // The -msse4.1 / -mavx2 objects must not define weak (COMDAT) symbols: the linker could keep their
    // copy of a shared inline function for the scalar code too, and an older CPU would hit SIGILL.
    const objects = path.join(repoRoot, 'build/addon-test/x86');
    for (const obj of ['sse41.o', 'avx2.o', 'avx512.o', 'decode_sse41.o', 'decode_avx2.o']) {
      const symbols = execFileSync('nm', ['-C', path.join(objects, obj)], { encoding: 'utf8' });
      expect(symbols.split('\n').filter((l) => / [WVu] /.test(l)), obj).toEqual([]);
    }
  });

  it('aarch64 under qemu: NEON matches the scalar reference', { timeout: 180_000 }, () => {
    requireTool('aarch64-linux-gnu-g++', 'g++-aarch64-linux-gnu');
    requireTool('qemu-aarch64', 'qemu-user');
    const out = runHarness('aarch64');
    console.log(out.trim());
    expect(out).toMatch(/ALL OK/);
    expect(levelsIn(out)).toEqual(new Set(['neon']));
    // The binary really is aarch64 (ELF e_machine 183 = EM_AARCH64), so qemu ran the NEON code.
    const elf = readFileSync(path.join(repoRoot, 'build/addon-test/kernel_check_aarch64'));
    expect(elf.readUInt16LE(18)).toBe(183);
  });
});
