import type http from 'node:http';

/**
 * Runs a benchmark target's HTTP server as a child of the benchmark: listens on 127.0.0.1 only,
 * prints `listening <port>` once ready, and exits on SIGTERM or SIGINT, or as soon as its parent
 * goes away, so a benchmark killed hard leaves no server behind.
 */
export function serveAsChild(server: http.Server, port: number): void {
  server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
  const parent = process.ppid;
  const stop = () => {
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 500).unref();
}
