import { validation } from './errors.js';
import { ParamErrors } from './param-errors.js';
import type { Tag } from './table.js';

/** DynamoDB's tag limits: 50 tags per resource, keys of 1-128 and values of 0-256 characters. */
export const MAX_TAGS = 50;

/** The tags after adding `add` (replacing values of existing keys) and removing `remove`. */
export function applyTagChange(current: Tag[], add: Tag[], remove: string[]): Tag[] {
  const tags = new Map(current.map((t) => [t.Key, t.Value]));
  for (const t of add) tags.set(t.Key, t.Value);
  for (const k of remove) tags.delete(k);
  if (tags.size > MAX_TAGS) throw validation('One or more parameter values were invalid: The number of tags exceeds the limit of 50');
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

/** Checks the Tags member of TagResource with DynamoDB's request constraints. */
export function validateTags(tags: unknown): Tag[] {
  const errors = new ParamErrors();
  if (!errors.notNull('tags', tags) || !Array.isArray(tags)) {
    errors.throwIfAny();
    throw validation('Tags must be a list');
  }
  tags.forEach((t: Partial<Tag>, i) => {
    const p = `tags.${i + 1}.member`;
    if (errors.notNull(`${p}.key`, t?.Key) && typeof t.Key === 'string') {
      if (t.Key.length < 1) errors.add(`${p}.key`, t.Key, 'Member must have length greater than or equal to 1');
      if (t.Key.length > 128) errors.add(`${p}.key`, t.Key, 'Member must have length less than or equal to 128');
    }
    if (errors.notNull(`${p}.value`, t?.Value) && typeof t.Value === 'string' && t.Value.length > 256) {
      errors.add(`${p}.value`, t.Value, 'Member must have length less than or equal to 256');
    }
  });
  errors.throwIfAny();
  return (tags as Tag[]).map((t) => ({ Key: String(t.Key), Value: String(t.Value) }));
}
