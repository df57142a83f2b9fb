import type { Condition, Operand } from './ast.js';

/** The top-level attribute names a condition reads, in order of first use. */
export function conditionAttributes(cond: Condition): string[] {
  const names = new Set<string>();
  const operand = (o: Operand): void => {
    if (o.kind === 'path') names.add(String(o.path[0]));
    else if (o.kind === 'size') operand(o.arg);
  };
  const walk = (c: Condition): void => {
    switch (c.kind) {
      case 'and':
      case 'or':
        c.args.forEach(walk);
        break;
      case 'not':
        walk(c.arg);
        break;
      case 'compare':
      case 'begins_with':
      case 'contains':
        operand(c.left);
        operand(c.right);
        break;
      case 'between':
        operand(c.arg);
        operand(c.low);
        operand(c.high);
        break;
      case 'in':
        operand(c.arg);
        c.list.forEach(operand);
        break;
      default:
        names.add(String(c.path[0]));
    }
  };
  walk(cond);
  return [...names];
}
