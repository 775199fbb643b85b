// Steps that may overlap each other (`together`) and steps that must run with none of them
// (`alone`): an exclusive step waits until the shared ones in progress end, and holds new ones
// back. duckdb-store.ts says which DuckDB steps need which.
export class ExclusiveGate {
  private shared = 0;
  private exclusive = false;
  /** Exclusive steps waiting: new shared ones wait behind them, so they cannot starve. */
  private readonly exclusiveQueue: Array<() => void> = [];
  private readonly sharedQueue: Array<() => void> = [];

  async together<T>(step: () => Promise<T>): Promise<T> {
    if (this.exclusive || this.exclusiveQueue.length > 0) await new Promise<void>((resolve) => this.sharedQueue.push(resolve));
    else this.shared++;
    try {
      return await step();
    } finally {
      this.shared--;
      this.wake();
    }
  }

  async alone<T>(step: () => Promise<T>): Promise<T> {
    if (this.exclusive || this.shared > 0 || this.exclusiveQueue.length > 0) await new Promise<void>((resolve) => this.exclusiveQueue.push(resolve));
    else this.exclusive = true;
    try {
      return await step();
    } finally {
      this.exclusive = false;
      this.wake();
    }
  }

  private wake(): void {
    if (this.exclusive || this.shared > 0) return;
    const next = this.exclusiveQueue.shift();
    if (next) {
      this.exclusive = true;
      next();
      return;
    }
    this.shared += this.sharedQueue.length;
    for (const resolve of this.sharedQueue.splice(0)) resolve();
  }
}
