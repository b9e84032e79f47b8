/**
 * The frame shape the WebSocket stream sends at each detail level (src/server/stream-detail.ts):
 * the mesh, iris and 68-point lists are present only at the levels that carry them.
 */
export type { StreamFace, StreamFrame } from '../../../src/server/stream-detail';
