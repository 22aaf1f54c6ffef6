/** Runs `fn` at most once per `ms`: the first call at once, calls during the wait folded into one at its end. */
export function throttle(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending = false;
  const release = (): void => {
    timer = null;
    if (!pending) return;
    pending = false;
    fn();
    timer = setTimeout(release, ms);
  };
  const call = (): void => {
    if (timer !== null) {
      pending = true;
      return;
    }
    fn();
    timer = setTimeout(release, ms);
  };
  call.cancel = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    pending = false;
  };
  return call;
}
