// Step progress: an ora spinner per step on a TTY, plain timestamped lines otherwise
// (`2026-11-25T12:00:00Z [3/9] Remove etcd member 6fc1… … done (1.2s)`).
import ora, { type Ora } from 'ora';
import { colors } from './color.ts';

export interface StepProgress {
  /** a line of detail while the step runs */
  note(line: string): void;
  done(note?: string): void;
  skipped(reason: string): void;
  failed(message: string): void;
  /** stop the spinner without a verdict (before a prompt or on interrupt) */
  pause(): void;
}

export interface Progress {
  step(index: number, total: number, title: string): StepProgress;
  line(text: string): void;
}

export interface ProgressOptions {
  tty: boolean;
  color?: boolean;
  stream?: NodeJS.WriteStream;
  now?: () => Date;
}

export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function createProgress(o: ProgressOptions): Progress {
  const stream = o.stream ?? process.stderr;
  const now = o.now ?? (() => new Date());
  if (!o.tty) {
    const out = (s: string) => void stream.write(`${s}\n`);
    return {
      line: (t) => out(t),
      step(index, total, title) {
        const head = `[${index}/${total}] ${title}`;
        const started = Date.now();
        out(`${timestamp(now())} ${head} …`);
        return {
          note: (l) => out(`${timestamp(now())} ${head}: ${l}`),
          done: (n) => out(`${timestamp(now())} ${head} … done (${seconds(Date.now() - started)})${n ? `: ${n}` : ''}`),
          skipped: (r) => out(`${timestamp(now())} ${head} … skipped: ${r}`),
          failed: (m) => out(`${timestamp(now())} ${head} … FAILED (${seconds(Date.now() - started)}): ${m}`),
          pause: () => {},
        };
      },
    };
  }
  const color = o.color !== false;
  const c = colors(color);
  return {
    line: (t) => void stream.write(`${t}\n`),
    step(index, total, title) {
      const head = `[${index}/${total}] ${title}`;
      const started = Date.now();
      const spinner: Ora = ora({ text: head, stream, color: color ? 'cyan' : false, isEnabled: true, discardStdin: false }).start();
      return {
        note: (l) => {
          // one terminal line: ora redraws by counting wrapped lines
          const width = Math.max(20, (stream.columns || 80) - 3);
          const text = `${head}  ${l}`;
          spinner.text = text.length > width ? `${text.slice(0, width - 1)}…` : text;
        },
        // our own marks, colored only when colors are on (ora's default symbols color themselves)
        done: (n) => void spinner.stopAndPersist({ symbol: c.green('✔'), text: `${head} (${seconds(Date.now() - started)})${n ? `  ${n}` : ''}` }),
        skipped: (r) => void spinner.stopAndPersist({ symbol: c.cyan('ℹ'), text: `${head}  skipped: ${r}` }),
        failed: (m) => void spinner.stopAndPersist({ symbol: c.red('✖'), text: `${head}  ${m}` }),
        pause: () => void spinner.stop(),
      };
    },
  };
}
