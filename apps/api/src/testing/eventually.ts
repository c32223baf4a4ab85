/**
 * Reads `read()` every 50 ms until `done` holds for its value or `timeoutMs` passes, and returns
 * the last value either way, so the test's own assertion says what was expected.
 */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}
