/** DynamoDB's wire representation of an attribute value: exactly one of these members is set. */
export interface AttributeValue {
  S?: string;
  N?: string;
  B?: string; // base64 on the wire
  SS?: string[];
  NS?: string[];
  BS?: string[];
  M?: Record<string, AttributeValue>;
  L?: AttributeValue[];
  NULL?: boolean;
  BOOL?: boolean;
}

export type Item = Record<string, AttributeValue>;

/** The three scalar types a key attribute may have. */
export type KeyType = 'S' | 'N' | 'B';

export interface KeySchemaElement {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}

export interface AttributeDefinition {
  AttributeName: string;
  AttributeType: KeyType;
}

/** The parts of a table's definition that the data plane needs, derived once from the catalogue. */
export interface TableKeys {
  hashName: string;
  hashType: KeyType;
  rangeName?: string;
  rangeType?: KeyType;
}
