/**
 * The worker thread that converts one PSD (./psd-convert.ts), bundled on its own as
 * dist/psd-worker.mjs next to the service (tools/build.mjs). workerData: ConvertJob; it posts one
 * ConvertReply and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { convertPsd, PsdRefusal, type AvatarLimits, type ConvertedPsd, type PsdRefusalCode } from './psd-convert';

export interface ConvertJob {
  psdFile: string;
  outDir: string;
  limits: AvatarLimits;
}

export type ConvertReply = { ok: true; converted: ConvertedPsd } | { ok: false; code: PsdRefusalCode; message: string };

const job = workerData as ConvertJob;
convertPsd(job.psdFile, job.outDir, job.limits).then(
  (converted) => parentPort?.postMessage({ ok: true, converted } satisfies ConvertReply),
  (err: unknown) =>
    parentPort?.postMessage(
      (err instanceof PsdRefusal
        ? { ok: false, code: err.code, message: err.message }
        : { ok: false, code: 'corrupt-psd', message: `the file could not be read: ${(err as Error).message}` }) satisfies ConvertReply,
    ),
);
