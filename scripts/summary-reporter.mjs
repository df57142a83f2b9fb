// A node:test reporter that prints one closing line: "N passed, N failed, N skipped".
// It counts leaf tests only (not the suites or per-file wrappers that contain them).
export default async function* summary(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let lastNesting = -1;
  const failures = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { nesting, name, details, skip, todo } = event.data;
    const leaf = lastNesting <= nesting;
    lastNesting = nesting;
    if (!leaf && event.type === 'test:pass') continue;
    if (details?.type === 'suite' && event.type === 'test:pass') continue;
    if (skip || todo) skipped++;
    else if (event.type === 'test:pass') passed++;
    else {
      failed++;
      failures.push(name);
    }
  }
  if (failures.length > 0) yield `\nfailed: ${failures.join('; ')}\n`;
  yield `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
