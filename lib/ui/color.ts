// ANSI colors, only when asked (status decides: a TTY, no --no-color, no NO_COLOR).
export interface Colors {
  enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const id = (s: string) => s;

export function colors(enabled: boolean): Colors {
  if (!enabled) return { enabled, bold: id, dim: id, red: id, green: id, yellow: id, cyan: id };
  return { enabled, bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), cyan: wrap(36, 39) };
}

/** Colors on when the stream is a TTY, --no-color was not given, NO_COLOR is unset and TERM is not dumb (no-color.org). */
export function useColor(stream: NodeJS.WriteStream, noColorFlag: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

/** Same rule as useColor (the name the runner's callers use). */
export const colorAllowed = useColor;

/**
 * A terminal we can prompt on and redraw spinners on: stdin and stderr are TTYs with a size, and TERM is not `dumb`
 * (a dumb terminal cannot move the cursor: progress is printed as plain lines there).
 */
export function interactive(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY && (process.stderr.columns ?? 0) > 0 && env.TERM !== 'dumb');
}
