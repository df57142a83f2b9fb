import { validation } from './errors.js';
import { encodeKeyValue, hashKeyBytes } from './key-encoding.js';
import type { AttributeValue, Item, KeyType, TableKeys } from './types.js';

/** A validated primary key: the storage key bytes and the bytes the partition hash is taken over. */
export interface PrimaryKey {
  /** enc(hash value) followed by enc(range value): order-preserving and self-delimiting. */
  encoded: Buffer;
  hashBytes: Buffer;
}

const MAX_HASH_KEY_BYTES = 2048;
const MAX_RANGE_KEY_BYTES = 1024;

/** The type member of an attribute value (the single key set on it). */
export function attributeType(av: AttributeValue): string {
  for (const k in av) return k;
  return '';
}

function keyValueBytes(type: KeyType, av: AttributeValue): number {
  if (type === 'S') return Buffer.byteLength(av.S!, 'utf8');
  if (type === 'B') return Buffer.byteLength(av.B!, 'base64');
  return 0;
}

function emptyKeyValue(type: KeyType, av: AttributeValue): boolean {
  return (type === 'S' && av.S === '') || (type === 'B' && av.B === '');
}

function emptyKeyError(name: string) {
  return validation(`One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${name}`);
}

function checkKeySizes(keys: TableKeys, hash: AttributeValue, range: AttributeValue | undefined): void {
  if (keyValueBytes(keys.hashType, hash) > MAX_HASH_KEY_BYTES) {
    throw validation('One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes');
  }
  if (range && keyValueBytes(keys.rangeType!, range) > MAX_RANGE_KEY_BYTES) {
    throw validation('One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes');
  }
}

function build(keys: TableKeys, hash: AttributeValue, range: AttributeValue | undefined): PrimaryKey {
  checkKeySizes(keys, hash, range);
  const h = encodeKeyValue(keys.hashType, hash);
  return {
    encoded: range ? Buffer.concat([h, encodeKeyValue(keys.rangeType!, range)]) : h,
    hashBytes: hashKeyBytes(keys.hashType, hash),
  };
}

/**
 * The key of an item being written (PutItem): every key attribute present with its declared type.
 * Attribute values must already be validated and normalized.
 */
export function itemPrimaryKey(keys: TableKeys, item: Item): PrimaryKey {
  const check = (name: string, type: KeyType): AttributeValue => {
    const av = item[name];
    if (av === undefined) throw validation(`One or more parameter values were invalid: Missing the key ${name} in the item`);
    const actual = attributeType(av);
    if (actual !== type) {
      throw validation(`One or more parameter values were invalid: Type mismatch for key ${name} expected: ${type} actual: ${actual}`);
    }
    if (emptyKeyValue(type, av)) throw emptyKeyError(name);
    return av;
  };
  const hash = check(keys.hashName, keys.hashType);
  const range = keys.rangeName ? check(keys.rangeName, keys.rangeType!) : undefined;
  return build(keys, hash, range);
}

/**
 * A `Key` argument (GetItem, DeleteItem, UpdateItem): exactly the table's key attributes with their
 * declared types. Attribute values must already be validated and normalized.
 */
export function keyArgument(keys: TableKeys, key: Item): PrimaryKey {
  const names = Object.keys(key);
  const expected = keys.rangeName ? 2 : 1;
  const mismatch = () => validation('The provided key element does not match the schema');
  if (names.length !== expected) throw mismatch();
  const hash = key[keys.hashName];
  const range = keys.rangeName ? key[keys.rangeName] : undefined;
  if (!hash || attributeType(hash) !== keys.hashType) throw mismatch();
  if (keys.rangeName && (!range || attributeType(range) !== keys.rangeType)) throw mismatch();
  if (emptyKeyValue(keys.hashType, hash)) throw emptyKeyError(keys.hashName);
  if (range && emptyKeyValue(keys.rangeType!, range)) throw emptyKeyError(keys.rangeName!);
  return build(keys, hash, range);
}
