import net from 'node:net';

/**
 * A child process of the abuse tests: opens `count` connections to host:port, writes `request`
 * (hex) on each, and never reads; prints "sent" once every connection has written, and stays
 * until killed (the kernel then closes every socket at once). Apart from the test process so that
 * opening a thousand sockets does not delay the test's own latency probe.
 *
 *   node dist/test/support/slow-readers.js <host> <port> <count> <request hex>
 */

/** Connections being opened at once. */
const connectConcurrency = 100;

const [host, port, count, requestHex] = process.argv.slice(2);
const request = Buffer.from(requestHex, 'hex');
const total = Number(count);
const sockets: net.Socket[] = [];
let started = 0;
let written = 0;

function openOne(): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), host);
    socket.pause(); // never reads
    socket.on('error', () => resolve());
    socket.once('connect', () => {
      socket.write(request, () => {
        written++;
        resolve();
      });
    });
    sockets.push(socket);
  });
}

async function worker(): Promise<void> {
  while (started < total) {
    started++;
    await openOne();
  }
}

await Promise.all(Array.from({ length: connectConcurrency }, worker));
process.stdout.write(`sent ${written}\n`);
setInterval(() => {}, 60_000); // until killed
