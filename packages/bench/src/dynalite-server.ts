#!/usr/bin/env node
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import type http from 'node:http';
import { serveAsChild } from './child-server.js';

/**
 * Runs dynalite (on disk: LevelDB through classic-level) through its JS API, the same server its
 * CLI starts, listening on 127.0.0.1 only and exiting when its parent goes away, so a benchmark
 * killed hard leaves no server behind. Prints `listening <port>` once ready.
 *
 *   node packages/bench/dist/dynalite-server.js --port <port> --path <dir>
 */
const { values } = parseArgs({ options: { port: { type: 'string' }, path: { type: 'string' } }, strict: true });
if (!values.port || !values.path) {
  process.stderr.write('usage: dynalite-server --port <port> --path <dir>\n');
  process.exit(2);
}
type Dynalite = (options: { path?: string; createTableMs?: number; deleteTableMs?: number }) => http.Server;
const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;
const server = dynalite({ path: values.path, createTableMs: 50, deleteTableMs: 50 });
serveAsChild(server, Number(values.port));
