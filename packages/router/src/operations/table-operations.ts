import { DynamoDBError, ParamErrors, optionalInteger, optionalString, validateCreateTable } from '@ringdb/core';
import { askMembership } from '../membership-call.js';
import type { Operation, RouterContext } from './context.js';

interface TableReply {
  json: string;
  errorType: string;
  errorMessage: string;
}

async function callMembership(ctx: RouterContext, method: string, request: object): Promise<Record<string, unknown>> {
  const reply = await askMembership<TableReply>(ctx.membership, method, request, 'table operations cannot be served');
  if (reply.errorType) throw new DynamoDBError(reply.errorType, reply.errorMessage);
  return JSON.parse(reply.json) as Record<string, unknown>;
}

function tableNameOf(body: Record<string, unknown>): string {
  const name = optionalString(body.TableName);
  const errors = new ParamErrors();
  errors.tableName('tableName', name);
  errors.throwIfAny();
  return name!;
}

export const createTable: Operation = async (ctx, body) => {
  const spec = validateCreateTable(body);
  const description = await callMembership(ctx, 'createTable', { name: spec.TableName, json: JSON.stringify(spec) });
  ctx.tables.remember(description as never);
  return JSON.stringify({ TableDescription: description });
};

export const describeTable: Operation = async (ctx, body) => {
  const name = tableNameOf(body);
  return JSON.stringify({ Table: await callMembership(ctx, 'describeTable', { name }) });
};

export const deleteTable: Operation = async (ctx, body) => {
  const name = tableNameOf(body);
  const description = await callMembership(ctx, 'deleteTable', { name });
  ctx.tables.forget(name);
  return JSON.stringify({ TableDescription: description });
};

export const listTables: Operation = async (ctx, body) => {
  const start = optionalString(body.ExclusiveStartTableName);
  const limit = optionalInteger(body.Limit);
  const errors = new ParamErrors();
  if (start !== undefined) errors.tableName('exclusiveStartTableName', start);
  errors.range('limit', limit, 1, 100);
  errors.throwIfAny();
  const reply = await askMembership<{ names: string[]; lastEvaluated: string }>(
    ctx.membership, 'listTables', { exclusiveStart: start ?? '', limit: limit ?? 100 }, 'table operations cannot be served');
  return JSON.stringify(reply.lastEvaluated ? { TableNames: reply.names, LastEvaluatedTableName: reply.lastEvaluated } : { TableNames: reply.names });
};
