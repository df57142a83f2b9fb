// @nxtedition/rocksdb ships no type declarations; only the constructor is used (see engine.ts).
declare module '@nxtedition/rocksdb' {
  export class RocksLevel {
    constructor(location: string, options?: Record<string, unknown>);
  }
}
