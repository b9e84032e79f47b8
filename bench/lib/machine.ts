/** A one-line-per-fact description of the machine a benchmark ran on. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { installedVersion } from './paths';

export interface MachineInfo {
  cpuModel: string;
  /** Logical CPUs visible to this process. */
  cores: number;
  /** SIMD extensions that matter to onnxruntime and WASM kernels. */
  simd: string[];
  memoryGb: number;
  os: string;
  node: string;
  onnxruntimeNode: string;
  tfjs: string;
  human: string;
  /** 1-minute load average when the run started: other work on the machine skews timings. */
  loadAverage1m: number;
}

function readCpuInfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

export function machineInfo(): MachineInfo {
  const cpuinfo = readCpuInfo();
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const flags = new Set((/^flags\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/));
  const simd = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx_vnni', 'amx_tile'].filter((f) => flags.has(f));
  return {
    cpuModel: model,
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    simd,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    onnxruntimeNode: installedVersion('onnxruntime-node'),
    tfjs: installedVersion('@tensorflow/tfjs-core'),
    human: installedVersion('@vladmandic/human'),
    loadAverage1m: os.loadavg()[0],
  };
}

/** Markdown bullet list of the machine facts, for reports. */
export function formatMachineInfo(info: MachineInfo = machineInfo()): string {
  return [
    `- CPU: ${info.cpuModel}, ${info.cores} logical cores, SIMD: ${info.simd.join(' ') || 'none found'}`,
    `- Memory: ${info.memoryGb} GiB; OS: ${info.os}; load average (1 min) at report time: ${info.loadAverage1m.toFixed(2)}`,
    `- Node ${info.node}, onnxruntime-node ${info.onnxruntimeNode}, tfjs ${info.tfjs}, @vladmandic/human ${info.human}`,
  ].join('\n');
}
