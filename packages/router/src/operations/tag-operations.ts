import { DynamoDBError, ParamErrors, optionalString, validateTags, validation, type Tag } from '@ringdb/core';
import { askMembership } from '../membership-call.js';
import type { Operation, RouterContext } from './context.js';

const ARN = /^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table\/[a-zA-Z0-9_.-]{3,255}$/;

function resourceArn(body: Record<string, unknown>): string {
  const arn = optionalString(body.ResourceArn);
  const errors = new ParamErrors();
  if (errors.notNull('resourceArn', arn) && (arn!.length < 1 || arn!.length > 1283)) {
    errors.add('resourceArn', arn, 'Member must have length less than or equal to 1283');
  }
  errors.throwIfAny();
  if (!ARN.test(arn!)) throw validation(`Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
  return arn!;
}

async function changeTags(ctx: RouterContext, arn: string, add: Tag[], remove: string[]): Promise<Tag[]> {
  const reply = await askMembership<{ tagsJson: string; errorType: string; errorMessage: string }>(
    ctx.membership, 'tags', { arn, addJson: add.length ? JSON.stringify(add) : '', remove }, 'tags cannot be served');
  if (reply.errorType) throw new DynamoDBError(reply.errorType, reply.errorMessage);
  return JSON.parse(reply.tagsJson) as Tag[];
}

export const tagResource: Operation = async (ctx, body) => {
  const arn = resourceArn(body);
  await changeTags(ctx, arn, validateTags(body.Tags), []);
  return '{}';
};

export const untagResource: Operation = async (ctx, body) => {
  const arn = resourceArn(body);
  const keys = body.TagKeys;
  const errors = new ParamErrors();
  errors.notNull('tagKeys', keys);
  errors.throwIfAny();
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) throw validation('TagKeys must be a list of strings');
  if (keys.length === 0) throw validation("1 validation error detected: Value '[]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1");
  await changeTags(ctx, arn, [], keys as string[]);
  return '{}';
};

export const listTagsOfResource: Operation = async (ctx, body) => {
  const arn = resourceArn(body);
  const tags = await changeTags(ctx, arn, [], []);
  return JSON.stringify({ Tags: tags });
};

/** The endpoint SDKs with endpoint discovery ask for: this router, as the client addressed it. */
export function describeEndpoints(host: string): Operation {
  return async () => JSON.stringify({ Endpoints: [{ Address: host, CachePeriodInMinutes: 1440 }] });
}
