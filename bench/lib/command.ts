/** The command that reproduces a benchmark run, printed under each table. */
import path from 'node:path';
import { formatMachineInfo } from './machine';
import { repoRoot } from './paths';

/**
 * Given the bench source (e.g. 'bench/peers/human.ts') and its arguments, the command line that
 * bundles and runs it from the repository root (bench/run.sh: esbuild, then node).
 */
export function commandLine(source: string, args: readonly string[] = []): string {
  const rel = path.isAbsolute(source) ? path.relative(repoRoot(), source) : source;
  return ['bash bench/run.sh', rel, ...args].join(' ');
}

/** The lines every report ends with: the machine it ran on and the command that reproduces it. */
export function reportFooter(source: string, args: readonly string[] = process.argv.slice(2)): string {
  return ['Machine:', formatMachineInfo(), '', `Command: \`${commandLine(source, args)}\``].join('\n');
}
