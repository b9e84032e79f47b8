export { startServer, DEFAULT_LIMITS, type ServerOptions, type ServerLimits, type RunningServer, type ApiStats } from './server';
export { STREAM_DETAILS, frameAtDetail, type StreamDetail, type StreamFrame } from './stream-detail';
export { PairingStore, PAIRING_FILE, type PairedClient } from './pairing';
export { isLoopbackAddress } from './peer';
export type { ErrorBody } from './errors';
