/**
 * Runs `work` over `items`, at most `concurrency` at a time, in order of the list; resolves when
 * every call has settled. `work` handles its own failures (a batch records them per item). Once
 * `signal` is aborted no further item is started.
 */
export async function eachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  signal: AbortSignal,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
