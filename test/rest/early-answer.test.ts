// An answer sent before the request body was read must reach a client that is still sending
// (lingering close): without it, the server's close resets the connection and the client's
// kernel drops the error JSON it has not read yet.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';

/** Sends `total` declared bytes without reading for `holdMs`, then reads the whole answer. */
function sendWhileNotReading(baseUrl: string, total: number, holdMs: number): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.pause();
    let received = '';
    let stopped = false;
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const pump = () => {
      while (!stopped && socket.write(chunk));
      if (!stopped) socket.once('drain', pump);
    };
    socket.on('error', (error) => {
      if (!stopped) reject(error);
      else if (received === '') reject(error);
    });
    socket.write(
      `POST /api/2.0/mlflow/runs/log-batch HTTP/1.1\r\nhost: ${url.host}\r\nconnection: close\r\n` +
        `content-type: application/json\r\ncontent-length: ${total}\r\n\r\n`,
    );
    pump();
    setTimeout(() => {
      stopped = true;
      socket.on('data', (data: Buffer) => {
        received += data.toString('latin1');
      });
      socket.on('end', () => {
        socket.destroy();
        resolve(received);
      });
      socket.resume();
    }, holdMs);
  });
}

describe('answers sent before the body is read', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('reach a client that keeps sending and reads late', async () => {
    for (let round = 0; round < 3; round++) {
      const answer = await sendWhileNotReading(server.url, 1024 * 1024 * 1024, 300);
      assert.match(answer, /^HTTP\/1\.1 400 /);
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      assert.deepEqual(JSON.parse(body), {
        error_code: 'INVALID_PARAMETER_VALUE',
        message: 'Request body is larger than the server accepts.',
      });
    }
  });
});
