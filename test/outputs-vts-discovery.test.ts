/**
 * VTube Studio discovery (src/outputs/vtube-studio/discovery.ts) on real UDP sockets: a broadcast
 * from another host on the link (a network namespace) is heard with its sender's address; instances
 * are kept by id and sender, refreshed in place and forgotten after 10 s of silence; garbage,
 * oversized and mistyped datagrams are dropped, counted and logged once while real ones are still
 * heard; a port that cannot be bound leaves discovery off with the reason, never an exception.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VtsDiscovery, VTS_DISCOVERY_PORT, parseVtsBroadcast } from '../src/outputs/vtube-studio/discovery';
import { RemoteHost } from './server-helpers';
import { waitUntil } from './helpers/wait';

/** A broadcast as VTube Studio sends it (its README "API Server Discovery (UDP)"), with `data` overridden. */
function broadcast(data: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      apiName: 'VTubeStudioPublicAPI',
      apiVersion: '1.0',
      timestamp: 1630159656406,
      messageType: 'VTubeStudioAPIStateBroadcast',
      requestID: 'VTubeStudioAPIStateBroadcast',
      data: { active: true, port: 8001, instanceID: '93aa0d0494304fddb057ae8a295c4e59', windowTitle: 'VTube Studio', ...data },
      ...top,
    }),
  );
}

let sender: Socket;
const open: VtsDiscovery[] = [];

async function listening(options: ConstructorParameters<typeof VtsDiscovery>[0] = {}): Promise<VtsDiscovery & { udpPort: number }> {
  const d = new VtsDiscovery({ port: 0, ...options });
  open.push(d);
  await d.start();
  const port = d.state().port;
  if (port === null) throw new Error(`discovery did not bind: ${d.state().problem}`);
  return Object.assign(d, { udpPort: port });
}

const send = (bytes: Uint8Array, port: number): Promise<void> => new Promise((resolve, reject) => sender.send(bytes, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));

beforeAll(async () => {
  sender = createSocket('udp4');
  await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});
afterAll(() => sender.close());

describe('VTube Studio discovery', () => {
  it('listens on VTube Studio\'s port 47779 unless told otherwise', () => {
    expect(VTS_DISCOVERY_PORT).toBe(47779);
    expect(new VtsDiscovery().state()).toEqual({ listening: false, port: null, ignoredDatagrams: 0 });
  });

  it('hears a broadcast from another host on the link, with that host\'s address', async () => {
    const remote = await RemoteHost.create();
    try {
      const d = await listening();
      await remote.udp(remote.broadcastAddress, d.udpPort, broadcast({ windowTitle: 'VTube Studio Window 2', port: 8002, active: false }), true);
      await waitUntil(() => d.instances().length === 1, 'the broadcast heard', 10_000);
      expect(d.instances()[0]).toMatchObject({ address: remote.remoteAddress, port: 8002, instanceId: '93aa0d0494304fddb057ae8a295c4e59', windowTitle: 'VTube Studio Window 2', active: false });
      expect(d.instances()[0].lastHeardAgoMs).toBeGreaterThanOrEqual(0);
    } finally {
      await remote.close();
    }
  });

  it('keeps instances by id and sender, refreshes them in place, forgets one after 10 s of silence', async () => {
    let now = 1_000_000;
    const d = await listening({ now: () => now });
    await send(broadcast({ instanceID: 'first' }), d.udpPort);
    await waitUntil(() => d.instances().length === 1, 'the first instance', 10_000);
    now += 4000;
    await send(broadcast({ instanceID: 'second', windowTitle: 'VTube Studio Window 2', port: 8002 }), d.udpPort);
    await waitUntil(() => d.instances().length === 2, 'the second instance', 10_000);
    // Most recently heard first, each with its age.
    expect(d.instances().map((i) => [i.instanceId, i.port, i.lastHeardAgoMs])).toEqual([
      ['second', 8002, 0],
      ['first', 8001, 4000],
    ]);
    // The first one broadcasts again (its API switched on meanwhile): one entry, refreshed.
    now += 3000;
    await send(broadcast({ instanceID: 'first', active: false }), d.udpPort);
    await waitUntil(() => d.instances()[0]?.instanceId === 'first', 'the first instance refreshed', 10_000);
    expect(d.instances().map((i) => [i.instanceId, i.active, i.lastHeardAgoMs])).toEqual([
      ['first', false, 0],
      ['second', true, 3000],
    ]);
    // 10 s without a word from the second (five missed broadcasts): gone; the first stays until its own 10 s.
    now += 7001;
    expect(d.instances().map((i) => i.instanceId)).toEqual(['first']);
    now += 3000;
    expect(d.instances()).toEqual([]);
  });

  it('drops garbage, oversized and mistyped datagrams (counted, logged once) and still hears real ones', async () => {
    const lines: string[] = [];
    const d = await listening({ log: { info: (m) => lines.push(m), warn: (m) => lines.push(m) } });
    const junk: [Uint8Array, string][] = [
      [Buffer.alloc(0), 'not UTF-8 JSON'],
      [Buffer.from([0xff, 0xfe, 0x00, 0x7b]), 'not UTF-8 JSON'],
      [Buffer.from('{"apiName": "VTubeStudioPublicAPI", '), 'not UTF-8 JSON'],
      [Buffer.from('[1, 2, 3]'), 'not a VTubeStudioPublicAPI message'],
      [Buffer.from('null'), 'not a VTubeStudioPublicAPI message'],
      [broadcast({}, { messageType: 'APIStateResponse' }), 'messageType "APIStateResponse", not VTubeStudioAPIStateBroadcast'],
      [broadcast({}, { data: 'yes' }), 'no data object'],
      [broadcast({ port: '8001' }), 'data.port is not a port number'],
      [broadcast({ port: 70000 }), 'data.port is not a port number'],
      [broadcast({ port: 80.5 }), 'data.port is not a port number'],
      [broadcast({ instanceID: 42 }), 'data.instanceID is not a short string'],
      [broadcast({ instanceID: '' }), 'data.instanceID is not a short string'],
      [broadcast({ windowTitle: 'x'.repeat(200) }), 'data.windowTitle is not a short string'],
      [broadcast({ active: 'yes' }), 'data.active is not true or false'],
      [broadcast({ padding: 'x'.repeat(3000) }), '3'],
    ];
    for (const [bytes, why] of junk) {
      const parsed = parseVtsBroadcast(bytes);
      expect('rejected' in parsed && parsed.rejected, why).toContain(why === '3' ? 'more than a broadcast ever is' : why);
      await send(bytes, d.udpPort);
    }
    await send(broadcast({ instanceID: 'real' }), d.udpPort);
    await waitUntil(() => d.instances().length === 1, 'the real broadcast among the junk', 10_000);
    expect(d.instances()[0].instanceId).toBe('real');
    expect(d.state()).toMatchObject({ listening: true, ignoredDatagrams: junk.length });
    expect(lines).toEqual([`VTube Studio discovery: ignored a datagram from 127.0.0.1:${sender.address().port} (not UTF-8 JSON); later ones are only counted`]);
  });

  it('keeps at most 32 instances: a flood of made-up ids pushes out the longest silent', async () => {
    let now = 0;
    const d = await listening({ now: () => now });
    for (let i = 0; i < 40; i++) {
      now += 1;
      await send(broadcast({ instanceID: `id-${i}` }), d.udpPort);
      await waitUntil(() => d.instances()[0]?.instanceId === `id-${i}`, `instance ${i}`, 10_000);
    }
    const ids = d.instances().map((i) => i.instanceId);
    expect(ids).toHaveLength(32);
    expect(ids[0]).toBe('id-39');
    expect(ids.at(-1)).toBe('id-8');
  });

  it('a port it cannot bind leaves discovery off with the reason, logged once; nothing throws', async () => {
    // A socket without reuseAddr owns the port: a second bind fails even with reuseAddr.
    const owner = createSocket('udp4');
    await new Promise<void>((resolve) => owner.bind(0, resolve));
    const lines: string[] = [];
    try {
      const d = new VtsDiscovery({ port: owner.address().port, log: { info: (m) => lines.push(m), warn: (m) => lines.push(m) } });
      open.push(d);
      await d.start();
      expect(d.state()).toMatchObject({ listening: false, port: null });
      expect(d.state().problem).toMatch(new RegExp(`^cannot listen on UDP port ${owner.address().port} for VTube Studio's announcements: .*EADDRINUSE`));
      expect(lines).toHaveLength(1);
      expect(d.instances()).toEqual([]);
      await d.close();
      await d.close();
    } finally {
      owner.close();
    }
  });

  it('two listeners share the port (reuseAddr), as VTube Studio plugins on one PC do; both hear a broadcast', async () => {
    const remote = await RemoteHost.create();
    try {
      const a = await listening();
      const b = await listening({ port: a.udpPort });
      expect(b.state()).toMatchObject({ listening: true, port: a.udpPort });
      await remote.udp(remote.broadcastAddress, a.udpPort, broadcast(), true);
      await waitUntil(() => a.instances().length === 1 && b.instances().length === 1, 'both listeners hearing the broadcast', 10_000);
    } finally {
      await remote.close();
    }
  });
});
