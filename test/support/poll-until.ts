/**
 * Polls `check` until it returns true, or fails with `what` after `timeoutMs`: for effects the
 * system promises "soon" without an event to wait for (an outbox cleared by the idle flush).
 */
export async function pollUntil(check: () => Promise<boolean>, what: string, timeoutMs = 10_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs)); // poll interval
  }
}
