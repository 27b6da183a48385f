/** How often the live progress line is redrawn. */
const progressIntervalMs = 250;

/**
 * A live line on a terminal (stderr), redrawn while a run lasts and erased at its end; nothing
 * when stderr is not a terminal, so scripts and pipes see only the results.
 */
export class Progress {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number,
    private readonly answered: () => number,
  ) {}

  start(): void {
    if (!this.stream.isTTY) return;
    const startMs = Date.now();
    this.timer = setInterval(() => {
      const done = this.answered();
      const seconds = (Date.now() - startMs) / 1000;
      const percent = ((100 * done) / this.total).toFixed(1);
      this.stream.write(
        `\r\x1b[K${done}/${this.total} requests (${percent}%)  ${(done / seconds).toFixed(0)} req/s`,
      );
    }, progressIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.stream.write('\r\x1b[K');
  }
}
