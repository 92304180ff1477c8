// Exit codes and the one error type the plugin prints (interface.md "Exit codes").

export const ExitCode = {
  Ok: 0,
  Error: 1,
  Usage: 2,
  Replaceable: 3,
  Refused: 4,
  Interrupted: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error the user can act on. Printed as ONE line on stderr:
 * `error: <what went wrong>. <what to do>` (the hint is the second sentence).
 */
export class PluginError extends Error {
  readonly exitCode: ExitCode;
  readonly hint?: string;
  /** the failure may go away by itself (API unreachable, 5xx, a timed-out call): a run stopped by it is resumable */
  readonly transient: boolean;

  constructor(message: string, opts: { exitCode?: ExitCode; hint?: string; cause?: unknown; transient?: boolean } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PluginError';
    this.exitCode = opts.exitCode ?? ExitCode.Error;
    this.hint = opts.hint;
    this.transient = opts.transient ?? false;
  }

  /** The single line shown to the user (without the `error: ` prefix). */
  line(): string {
    return formatLine(this.message, this.hint);
  }
}

function sentence(s: string): string {
  const t = oneLine(s).replace(/[\s.]+$/, '');
  return t === '' ? '' : `${t}.`;
}

export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').replace(/\s+/g, ' ').trim();
}

export function formatLine(message: string, hint?: string): string {
  const what = sentence(message);
  if (!hint) return what;
  const h = sentence(hint);
  // Capitalise the second sentence, unless it starts with a command name (oc, kubectl, etcdctl…).
  const cap = /^(oc|kubectl|etcdctl)\b/.test(h) || !/^[a-z]/.test(h) ? h : `${h.charAt(0).toUpperCase()}${h.slice(1)}`;
  return `${what} ${cap}`;
}

/** `error: …` line for anything thrown: PluginErrors as written, other errors by their message. */
export function errorLine(err: unknown): string {
  if (err instanceof PluginError) return `error: ${err.line()}`;
  const msg = err instanceof Error ? err.message : String(err);
  return `error: ${formatLine(msg)}`;
}

export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof PluginError ? err.exitCode : ExitCode.Error;
}
