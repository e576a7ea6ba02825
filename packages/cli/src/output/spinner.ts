const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 80;

/** A one-line progress indicator; a no-op when the stream is not a terminal. */
export interface Spinner {
  /** Changes the text shown next to the spinner. */
  update(text: string): void;
  /** Removes the spinner line. */
  stop(): void;
}

/** A writable the spinner draws on: a terminal stream in practice. */
export interface SpinnerStream {
  readonly isTTY?: boolean;
  write(chunk: string): unknown;
}

const silent: Spinner = { update() {}, stop() {} };

/**
 * Starts a spinner on `stream` when it is a terminal. On anything else (a pipe, a file, CI logs) it
 * draws nothing: redrawn lines are noise there, and the command prints its result anyway.
 */
export function startSpinner(stream: SpinnerStream, text: string): Spinner {
  if (stream.isTTY !== true) return silent;
  let frame = 0;
  let current = text;
  const draw = () => {
    stream.write(`\r\u001b[2K${FRAMES[frame % FRAMES.length]} ${current}`);
    frame += 1;
  };
  draw();
  const timer = setInterval(draw, FRAME_MS);
  // The spinner must never be what keeps a finished command alive.
  timer.unref();
  return {
    update(next) {
      current = next;
    },
    stop() {
      clearInterval(timer);
      stream.write('\r\u001b[2K');
    },
  };
}
