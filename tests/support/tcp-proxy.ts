import net from 'node:net';

/**
 * A TCP proxy in front of one process, able to simulate a network partition on loopback:
 * `partition()` stops all traffic of open connections (nothing is read or forwarded, as when
 * packets are dropped) and black-holes new ones (accepted, never forwarded: the client's connect
 * "succeeds" but no answer ever comes, like a handshake lost in the partition). `heal()` lets new
 * connections through again; connections black-holed during the partition stay dead, as a TCP
 * connect whose SYN was lost would for about two minutes.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private partitioned = false;
  private readonly open = new Set<net.Socket>();
  port = 0;

  constructor(private readonly targetPort: number, private readonly host = '127.0.0.1') {}

  async start(port = 0): Promise<number> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, this.host, () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  private accept(client: net.Socket): void {
    this.open.add(client);
    client.on('close', () => this.open.delete(client));
    client.on('error', () => client.destroy());
    if (this.partitioned) {
      client.pause(); // black-holed: never read, never answered
      return;
    }
    const upstream = net.connect(this.targetPort, this.host);
    this.open.add(upstream);
    upstream.on('close', () => {
      this.open.delete(upstream);
      if (!this.partitioned) client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => {
      if (!this.partitioned) upstream.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Drops all traffic: open connections freeze, new ones are black-holed. */
  partition(): void {
    this.partitioned = true;
    for (const s of this.open) {
      s.pause();
      s.unpipe();
    }
  }

  /** New connections are forwarded again (frozen and black-holed ones stay dead). */
  heal(): void {
    this.partitioned = false;
  }

  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
