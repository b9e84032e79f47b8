// Runs inside the remote host's network namespace (see RemoteHost in server-helpers.ts): reads one
// JSON command a line on stdin, answers one JSON line on stdout with the same id. Plain JavaScript
// so it runs on bare node.
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

function reply(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function httpOnce({ url, method = 'GET', headers = {}, body, bodyBase64 }) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { connection: 'close', ...headers }, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(bodyBase64 !== undefined ? Buffer.from(bodyBase64, 'base64') : body);
  });
}

/** Raw bytes on a fresh TCP connection; resolves with whatever came back before close or waitMs. */
function raw({ host, port, dataBase64, waitMs = 2000 }) {
  return new Promise((resolve) => {
    const chunks = [];
    const socket = connect({ host, port });
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1') });
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', done);
    socket.on('error', done);
    socket.write(Buffer.from(dataBase64, 'base64'));
  });
}

/** Open a WebSocket, collect `count` messages (or until timeoutMs), close. */
function wsCollect({ url, headers = {}, count, timeoutMs = 10000 }) {
  return new Promise((resolve) => {
    const messages = [];
    const ws = new WebSocket(url, { headers });
    let status = 0;
    const finish = (error) => {
      clearTimeout(timer);
      ws.terminate();
      resolve({ messages, status, error });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    ws.on('unexpected-response', (_req, res) => {
      status = res.statusCode;
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        messages.push(Buffer.concat(chunks).toString('utf8'));
        finish('refused');
      });
    });
    ws.on('open', () => (status = 101));
    ws.on('message', (data) => {
      messages.push(data.toString('utf8'));
      if (messages.length >= count) finish();
    });
    ws.on('error', (err) => finish(err.message));
  });
}

/** Many requests, `concurrency` at a time; answers only the status codes (0 = no answer / connection error). */
async function batch({ requests, concurrency = 8 }) {
  const statuses = new Array(requests.length).fill(0);
  let next = 0;
  async function worker() {
    while (next < requests.length) {
      const i = next++;
      const r = requests[i];
      try {
        if (r.raw) {
          const res = await raw(r.raw);
          const m = /^HTTP\/1\.1 (\d{3})/.exec(res.text);
          statuses[i] = m ? Number(m[1]) : 0;
        } else {
          statuses[i] = (await httpOnce(r)).status;
        }
      } catch {
        statuses[i] = 0;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { statuses };
}

/** One UDP datagram (a broadcast when `broadcast`), from a fresh socket; resolves once it is sent. */
function udp({ host, port, dataBase64, broadcast = false }) {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.on('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind(0, () => {
      socket.setBroadcast(broadcast);
      socket.send(Buffer.from(dataBase64, 'base64'), port, host, (err) => {
        socket.close();
        if (err) reject(err);
        else resolve({});
      });
    });
  });
}

const ops = { http: httpOnce, raw, ws: wsCollect, batch, udp };

createInterface({ input: process.stdin }).on('line', async (line) => {
  const cmd = JSON.parse(line);
  try {
    const result = await ops[cmd.op](cmd);
    reply({ id: cmd.id, ok: true, ...result });
  } catch (err) {
    reply({ id: cmd.id, ok: false, error: err.message });
  }
});
