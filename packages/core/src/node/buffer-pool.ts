/**
 * The read buffers of downloads, shared by every download in the process: a file's buffers go
 * back here when its connection closes and serve the next file, so that a batch holds at most
 * about 24 MiB of them however many files it fetches (one download alone: 5), instead of leaving
 * each file's buffers for the garbage collector (which let a 64-file batch grow by 70 MiB and more).
 */

/** The size of every pooled buffer: one socket read, one piece of a `writev`. */
export const BUFFER_SIZE = 1 << 20;

const idle: Buffer[] = [];
const ours = new WeakSet<Buffer>();

/** A buffer for one read: an idle one, or a new one. Its old bytes are never exposed (reads overwrite them). */
export function takeBuffer(): Buffer {
  const buffer = idle.pop() ?? Buffer.allocUnsafe(BUFFER_SIZE);
  ours.add(buffer);
  return buffer;
}

/**
 * Gives a buffer back once nothing refers to it any more (written, or never read into). Buffers
 * this pool did not make are ignored, as are buffers given back twice, so a caller's slip cannot
 * hand one buffer to two connections.
 */
export function giveBuffer(buffer: Buffer): void {
  if (!ours.has(buffer)) return;
  ours.delete(buffer);
  if (idle.length < MAX_IDLE) idle.push(buffer);
}

/** Buffers all connections together may fill before they pause (each fills at least one). */
const BUDGET = 16;
/**
 * Idle buffers kept for the next download: the budget plus one per connection's next read for
 * eight at once, so that a batch running at that peak allocates nothing more (freeing the excess
 * as connections close only to allocate it again cost the garbage collector noticeably).
 */
const MAX_IDLE = BUDGET + 8;
/** Buffers one connection may fill before it pauses, when it is alone: the disk's batch. */
const MAX_PER_CONNECTION = 4;
let open = 0;

/**
 * Counts a connection in the budget until the returned function is called (once, when it closes):
 * eight downloads at once fill two buffers each before pausing, one alone fills four.
 */
export function openConnection(): () => void {
  open++;
  let counted = true;
  return () => {
    if (counted) open--;
    counted = false;
  };
}

/** How many buffers a connection may fill (waiting for the disk) before it pauses reading. */
export function queueLimit(): number {
  return Math.max(1, Math.min(MAX_PER_CONNECTION, Math.floor(BUDGET / Math.max(1, open))));
}

/** Idle buffers, for tests. */
export function idleBuffers(): number {
  return idle.length;
}
