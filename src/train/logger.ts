/**
 * Where training and sampling report to. The console logger writes plain lines, and on a TTY
 * a throttled progress bar; tests pass a logger that records the lines instead.
 */

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A transient status line (progress bar); loggers without a terminal may ignore it. */
  progress(status: string): void;
  /** Whether progress() draws a live bar, so callers can skip periodic log lines. */
  readonly interactive: boolean;
}

const PROGRESS_INTERVAL_MS = 200;

/**
 * Logs to stderr (progress) and stdout (lines). Colour only on a TTY and when NO_COLOR is
 * unset, per https://no-color.org.
 */
export class ConsoleLogger implements Logger {
  readonly interactive: boolean;
  readonly #color: boolean;
  #lastProgress = 0;
  #progressShown = false;

  constructor(
    readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.interactive = Boolean(stderr.isTTY) && process.env.CI === undefined;
    this.#color = this.interactive && process.env.NO_COLOR === undefined;
  }

  #clearProgress(): void {
    if (this.#progressShown) {
      this.stderr.write('\r\x1b[2K');
      this.#progressShown = false;
    }
  }

  info(message: string): void {
    this.#clearProgress();
    this.stdout.write(`${message}\n`);
  }

  warn(message: string): void {
    this.#clearProgress();
    this.stderr.write(`${this.#paint('33', 'warning:')} ${message}\n`);
  }

  error(message: string): void {
    this.#clearProgress();
    this.stderr.write(`${this.#paint('31', 'error:')} ${message}\n`);
  }

  progress(status: string): void {
    if (!this.interactive) return;
    const now = Date.now();
    if (now - this.#lastProgress < PROGRESS_INTERVAL_MS) return;
    this.#lastProgress = now;
    const width = this.stderr.columns ?? 100;
    this.stderr.write(`\r\x1b[2K${status.slice(0, width - 1)}`);
    this.#progressShown = true;
  }

  #paint(code: string, text: string): string {
    return this.#color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
}

/** Keeps every line in memory, for tests and for callers that show logs elsewhere. */
export class MemoryLogger implements Logger {
  readonly interactive = false;
  readonly lines: { level: 'info' | 'warn' | 'error'; message: string }[] = [];

  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }

  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }

  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }

  progress(): void {}

  text(): string {
    return this.lines.map((line) => line.message).join('\n');
  }
}

/** A progress bar: `epoch 3/50 [#####-----] 120/235 d_loss 1.2345 ... 180 img/s ETA 4m10s`. */
export function progressBar(fraction: number, width = 20): string {
  const clamped = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(clamped * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** Formats a count with its noun, in the plural unless the count is 1: "1 step", "3 steps". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Seconds as 1h02m, 4m10s or 12s. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
