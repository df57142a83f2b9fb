import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../proto/ringdb.proto');

/** Options chosen so that messages are plain objects with numbers (not Long) and Buffers for bytes. */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: Number,
  defaults: true,
  arrays: true,
  oneofs: false,
};

export interface RingdbServices {
  Membership: grpc.ServiceClientConstructor;
  Storage: grpc.ServiceClientConstructor;
  AntiEntropy: grpc.ServiceClientConstructor;
}

let loaded: RingdbServices | undefined;

/** Loads proto/ringdb.proto once per process. */
export function services(): RingdbServices {
  if (!loaded) {
    const definition = protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS);
    const pkg = grpc.loadPackageDefinition(definition).ringdb as grpc.GrpcObject;
    loaded = {
      Membership: pkg.Membership as grpc.ServiceClientConstructor,
      Storage: pkg.Storage as grpc.ServiceClientConstructor,
      AntiEntropy: pkg.AntiEntropy as grpc.ServiceClientConstructor,
    };
  }
  return loaded;
}

/**
 * Channel options shared by every client (documented grpc-js channel options): a ping every 2 s,
 * also without calls, and a connection whose ping is not answered within 2 s is closed, so a
 * stopped or partitioned peer is noticed within about 4 s; reconnect attempts back off from 200 ms
 * to at most 1 s. grpc-js has no connect timeout: ManagedClient (managed-client.ts) replaces a
 * channel stuck connecting. No transparent retries: callers decide what to resend (a write whose
 * outcome is unknown never is), and the retry layer would copy every message of a stream into its
 * buffer until the call commits.
 */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 2_000,
  'grpc.keepalive_timeout_ms': 2_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.enable_retries': 0,
};

/**
 * Server side: accept the clients' pings (every 2 s, also without calls; the minimum interval is
 * below that), and ping clients too, so streams from a vanished router or peer are closed.
 */
export const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 1_000,
  'grpc.keepalive_time_ms': 5_000,
  'grpc.keepalive_timeout_ms': 3_000,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
} as grpc.ServerOptions;

/**
 * Binds a gRPC server and resolves with the port actually bound (port 0 picks a free one).
 *
 * grpc-js sets TCP_NODELAY on the connections it opens as a client but not on those its server
 * accepts, so whatever a server writes (the storage node's replies on a Data stream) waits behind
 * Nagle's algorithm and the peer's delayed acknowledgements, tens of milliseconds at a time. Every
 * accepted connection gets TCP_NODELAY here (through the server's HTTP/2 listeners, which grpc-js
 * does not expose otherwise).
 */
export function bindServer(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) return reject(err);
      const listeners = (server as unknown as { http2Servers?: Map<import('node:net').Server, unknown> }).http2Servers;
      for (const listener of listeners?.keys() ?? []) listener.on('connection', (socket: import('node:net').Socket) => socket.setNoDelay(true));
      resolve(port);
    });
  });
}

export function shutdownServer(server: grpc.Server, graceMs = 1_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Promise wrapper for a unary call on a loaded client. */
export function unary<Req, Res>(target: grpc.Client | { client: grpc.Client }, method: string, request: Req, timeoutMs = 5_000): Promise<Res> {
  const client = target instanceof grpc.Client ? target : target.client;
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, Function>)[method];
    fn.call(client, request, { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, res: Res) => {
      if (err) reject(err);
      else resolve(res);
    });
  });
}

export { grpc };
