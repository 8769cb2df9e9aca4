/**
 * Reads again and again while the thing read is unfinished: after each answer, waits what the
 * service asked (`Retry-After`, at least one second) and stops once `read` says done or the view
 * is left. One read at a time; a failed read is shown by the view and retried after the wait.
 */
export interface Poller {
  stop(): void;
}

const MIN_WAIT_SECONDS = 1;
const DEFAULT_WAIT_SECONDS = 2;

export function poll(read: () => Promise<{ done: boolean; retryAfterSeconds?: number }>): Poller {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const step = async (): Promise<void> => {
    let wait = DEFAULT_WAIT_SECONDS;
    try {
      const result = await read();
      if (result.done) return;
      wait = Math.max(MIN_WAIT_SECONDS, result.retryAfterSeconds ?? DEFAULT_WAIT_SECONDS);
    } catch {
      // The view shows the failure; the next read may succeed.
    }
    if (!stopped) timer = setTimeout(() => void step(), wait * 1000);
  };
  void step();
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
