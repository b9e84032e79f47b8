/**
 * The updater as the API (src/server/update-routes.ts) and the UI see it: GET /api/update answers
 * UpdateState; the other routes call UpdateControl. Plain data, no Node types except the upload's
 * body stream.
 */
import type { Readable } from 'node:stream';

/** What rauc info said about a bundle whose signature it verified, and whose compatible is ours. */
export interface BundleSummary {
  version: string;
  compatible: string;
  build: string | null;
  description: string | null;
  /** Always "verified": a bundle that fails the check is refused, never offered. */
  signature: 'verified';
  /** The signing certificate's subject, as rauc names it. */
  signer: string | null;
  sizeBytes: number;
}

/** An uploaded bundle waiting on the state partition for "Install" or "Discard". */
export interface PendingBundle extends BundleSummary {
  /** The file name the client gave (?name=), for display only. */
  name: string | null;
  receivedAt: string;
}

/** A *.raucb in the top folder of a mounted USB stick. */
export interface UsbOffer {
  /** "<kernel name>/<file name>", e.g. "sda1/vtlink-0.3.0.raucb": what POST /api/update/install takes. */
  id: string;
  device: string;
  file: string;
  sizeBytes: number;
  /** checking: rauc info runs; ready: installable; refused: see problem. */
  state: 'checking' | 'ready' | 'refused';
  bundle: BundleSummary | null;
  problem: { code: BundleRefusalCode; message: string } | null;
}

export type BundleRefusalCode = 'bad-signature' | 'bad-bundle' | 'wrong-compatible';

export type UpdateOperation =
  | { kind: 'idle' }
  | { kind: 'uploading'; receivedBytes: number; totalBytes: number }
  | { kind: 'checking'; what: string }
  | { kind: 'installing'; version: string; source: 'upload' | 'usb'; percent: number; message: string }
  /** The install succeeded; the reboot is requested (after a short notice, so every screen can say so). */
  | { kind: 'rebooting'; version: string; toSlot: string | null }
  /** Installed, but this service cannot reboot the box (no RUNTIME_DIRECTORY, or the reboot did not come). */
  | { kind: 'reboot-needed'; version: string; toSlot: string | null; reason: string };

export interface UpdateResult {
  outcome: 'updated' | 'rolled-back';
  /** "updated to 0.3.0" or "rolled back: slot B did not become healthy". */
  message: string;
  version: string;
  fromSlot: string | null;
  toSlot: string | null;
  installedAt: string;
  decidedAt: string;
  /** The new slot's boot status at the decision ("good", "bad"). */
  slotState: string | null;
}

export interface RolledBackVersion {
  version: string;
  /** The slot it never became healthy on. */
  toSlot: string | null;
  decidedAt: string;
}

export interface HealthState {
  /**
   * not-applicable: no RAUC here; waiting: not yet healthy for requiredS; marked-good: this boot's
   * slot is marked good; failed: rauc refused to mark it (message says why; tried again later).
   */
  state: 'not-applicable' | 'waiting' | 'marked-good' | 'failed';
  requiredS: number;
  healthyForS: number;
  markedAt: string | null;
  message: string | null;
}

export interface SlotInfo {
  name: string;
  bootname: string | null;
  state: string;
  bootStatus: string | null;
}

export interface UpdateState {
  available: boolean;
  /** Why not, when not available. */
  reason: string | null;
  running: { version: string; build: string | null; compatible: string | null; slot: string | null; slotName: string | null };
  slots: SlotInfo[];
  operation: UpdateOperation;
  pending: PendingBundle | null;
  usb: UsbOffer[];
  health: HealthState;
  /** The outcome of the last install, after its reboot; shown until dismissed. */
  lastResult: UpdateResult | null;
  /**
   * Versions that rolled back on this device, newest first (kept after the result is dismissed; a
   * later successful update to the same version takes it off): an offer of one says so before Install.
   */
  rolledBack: RolledBackVersion[];
  /** The last install or check that failed (cleared by the next attempt). */
  lastError: { message: string; at: string } | null;
}

export type InstallRequest = { bundle: 'upload'; version?: string } | { bundle: 'usb'; id: string; version?: string };

export type UpdateRefusalCode =
  | 'updates-unavailable'
  | 'update-busy'
  | 'bundle-pending'
  | 'no-bundle'
  | 'version-mismatch'
  | 'length-required'
  | 'no-room'
  | 'upload-incomplete'
  | 'upload-stalled'
  | 'write-failed'
  | BundleRefusalCode;

/** A request the updater will not do, with the reason for the user. */
export class UpdateRefusal extends Error {
  constructor(
    readonly code: UpdateRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'UpdateRefusal';
  }
}

/**
 * Failure semantics: every method either does what it says or throws an UpdateRefusal and changes
 * nothing (a refused upload leaves no file behind; a refused install leaves the slots as they were).
 */
export interface UpdateControl {
  state(): UpdateState;
  /** Streams an upload to the state partition and checks it with rauc info; it becomes the pending bundle. */
  receiveBundle(body: Readable, declaredBytes: number | null, name: string | null): Promise<PendingBundle>;
  discardBundle(): Promise<void>;
  /** Starts installing (resolves at once with the operation; progress in state()). */
  install(request: InstallRequest): Promise<UpdateOperation>;
  dismissResult(): Promise<void>;
}
