import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isReservedWord } from '@ringdb/core';

test('the reserved word list is DynamoDB\'s and case-insensitive', () => {
  for (const w of ['ABORT', 'abort', 'Status', 'name', 'DATE', 'size', 'SET', 'and', 'ZONE', 'FLATTERN', 'INNTER', 'LOGED', 'TTL', 'user']) {
    assert.equal(isReservedWord(w), true, w);
  }
  for (const w of ['abc', 'statuses', 'pk', 'sk', 'id', 'foo', 'attribute_exists', 'begins_with', 'contains', 'if_not_exists', 'list_append', '']) {
    assert.equal(isReservedWord(w), false, w);
  }
});
