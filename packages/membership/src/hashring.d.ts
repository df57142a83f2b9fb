// npm `hashring` ships no type declarations; these cover the calls placement.ts makes.
declare module 'hashring' {
  export default class HashRing {
    constructor(servers: string[] | Record<string, unknown>, algorithm?: string, options?: Record<string, unknown>);
    get(key: string): string;
  }
}
