import { validation } from './errors.js';

/**
 * Collects DynamoDB's request-constraint violations ("1 validation error detected: Value null at
 * 'tableName' failed to satisfy constraint: Member must not be null") and throws them together, as
 * DynamoDB does (it reports at most ten, joined with "; ").
 */
export class ParamErrors {
  private readonly errors: string[] = [];

  add(path: string, value: unknown, constraint: string): void {
    this.errors.push(`Value ${describeValue(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  notNull(path: string, value: unknown): boolean {
    if (value === undefined || value === null) {
      this.add(path, null, 'Member must not be null');
      return false;
    }
    return true;
  }

  tableName(path: string, value: unknown): void {
    if (!this.notNull(path, value)) return;
    if (typeof value !== 'string') return;
    if (value.length < 3) this.add(path, value, 'Member must have length greater than or equal to 3');
    if (value.length > 255) this.add(path, value, 'Member must have length less than or equal to 255');
    if (!/^[a-zA-Z0-9_.-]+$/.test(value)) {
      this.add(path, value, 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+');
    }
  }

  enumValue(path: string, value: unknown, allowed: readonly string[]): void {
    if (value === undefined || value === null) return;
    if (!allowed.includes(value as string)) {
      this.add(path, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
    }
  }

  range(path: string, value: unknown, min: number, max?: number): void {
    if (typeof value !== 'number') return;
    if (value < min) this.add(path, value, `Member must have value greater than or equal to ${min}`);
    else if (max !== undefined && value > max) this.add(path, value, `Member must have value less than or equal to ${max}`);
  }

  get count(): number {
    return this.errors.length;
  }

  throwIfAny(): void {
    const n = this.errors.length;
    if (n === 0) return;
    const shown = this.errors.slice(0, 10);
    throw validation(`${n} validation error${n === 1 ? '' : 's'} detected: ${shown.join('; ')}`);
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `'${value}'`;
  return `'${JSON.stringify(value)}'`;
}
