/** Wakes every waiter on notify; no lost wake-ups, as a check and a wait run in one turn. */
export class Signal {
  private waiters: (() => void)[] = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }
}

/** Sleeps `ms`, or less if the signal fires first. */
export async function sleepUntil(ms: number, interrupt: Signal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), interrupt.wait()]);
  clearTimeout(timer);
}
