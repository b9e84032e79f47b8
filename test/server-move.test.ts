/**
 * settings.network.port / bind changed at run time (src/commands/api-host.ts): the API moves to the
 * new address once it listens there and the old one closes; a new address that cannot be had leaves
 * the old server answering, with the reason in status().network.server.problem.
 */
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiHost } from '../src/commands/api-host';
import { silentLogger } from '../src/system/log';
import { http, jsonBody, tempDir, TestControl } from './server-helpers';

/** A port nothing listens on now (the kernel's pick, released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function refuses(url: string): Promise<boolean> {
  try {
    await http(url);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  }
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the API follows settings.network at run time', () => {
  let tmp: { dir: string; remove: () => Promise<void> };
  let control: TestControl;
  let host: ApiHost;
  let blocker: Server | null = null;

  beforeEach(async () => {
    tmp = await tempDir('vtlink-move-');
    control = await TestControl.open(path.join(tmp.dir, 'state'));
    host = new ApiHost(control, { stateDir: control.store.dir, portOverride: 0, log: silentLogger, handoverMs: 200 });
    await host.listen({ ...control.settings().network, bind: '127.0.0.1' });
  });
  afterEach(async () => {
    await host.close();
    await new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r()));
    blocker = null;
    await tmp.remove();
  });

  it('a new port: the PATCH is answered on the old one, then the new one answers and the old one closes', async () => {
    const oldPort = host.current!.port;
    const newPort = await freePort();
    const r = await http(`http://127.0.0.1:${oldPort}/api/settings`, { method: 'PATCH', ...jsonBody({ network: { port: newPort, bind: '127.0.0.1' } }) });
    expect(r.status).toBe(200);
    await until(async () => host.current?.port === newPort, 'the new server');
    expect((await http(`http://127.0.0.1:${newPort}/api/status`)).status).toBe(200);
    await until(() => refuses(`http://127.0.0.1:${oldPort}/api/status`), 'the old port to close');
    expect(control.apiServer).toEqual({ url: `http://127.0.0.1:${newPort}/`, port: newPort, bind: '127.0.0.1' });
  });

  it('a port that is taken: the old server keeps answering and the status says why', async () => {
    const oldPort = host.current!.port;
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    const r = await http(`http://127.0.0.1:${oldPort}/api/settings`, { method: 'PATCH', ...jsonBody({ network: { port: taken, bind: '127.0.0.1' } }) });
    expect(r.status).toBe(200);
    await until(async () => control.apiServer?.problem !== undefined, 'the refusal');
    expect(control.apiServer!.problem).toMatch(new RegExp(`127\\.0\\.0\\.1:${taken}.*EADDRINUSE`));
    expect(control.apiServer!.port).toBe(oldPort);
    expect(host.current!.port).toBe(oldPort);
    await new Promise((r) => setTimeout(r, 400)); // longer than the handover: nothing closes the old one
    expect((await http(`http://127.0.0.1:${oldPort}/api/status`)).status).toBe(200);
    // A later good change still moves it.
    const good = await freePort();
    await http(`http://127.0.0.1:${oldPort}/api/settings`, { method: 'PATCH', ...jsonBody({ network: { port: good } }) });
    await until(async () => host.current?.port === good && control.apiServer?.problem === undefined, 'the move after a refusal');
  });

  it('the same port on another address (bind 127.0.0.1 → 0.0.0.0) frees the port first', async () => {
    const port = await freePort();
    await http(`http://127.0.0.1:${host.current!.port}/api/settings`, { method: 'PATCH', ...jsonBody({ network: { port, bind: '127.0.0.1' } }) });
    await until(async () => host.current?.port === port, 'the move to the fixed port');
    // Another socket on 127.0.0.1:port conflicts with 0.0.0.0:port: the host must close its own first.
    const r = await http(`http://127.0.0.1:${port}/api/settings`, { method: 'PATCH', ...jsonBody({ network: { bind: '0.0.0.0' } }) });
    expect(r.status).toBe(200);
    await until(async () => control.apiServer?.bind === '0.0.0.0', 'the rebind');
    expect(control.apiServer).toEqual({ url: `http://127.0.0.1:${port}/`, port, bind: '0.0.0.0' });
    expect((await http(`http://127.0.0.1:${port}/api/status`)).status).toBe(200);
  });

  it('an address that is not on this box: refused, the old server stays', async () => {
    const oldPort = host.current!.port;
    const r = await http(`http://127.0.0.1:${oldPort}/api/settings`, { method: 'PATCH', ...jsonBody({ network: { bind: '192.0.2.7' } }) });
    expect(r.status).toBe(200); // a valid address; only listening on it fails
    await until(async () => control.apiServer?.problem !== undefined, 'the refusal');
    expect(control.apiServer!.problem).toMatch(/192\.0\.2\.7.*EADDRNOTAVAIL/);
    expect((await http(`http://127.0.0.1:${oldPort}/api/status`)).status).toBe(200);
  });
});
