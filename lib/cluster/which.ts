// Finding oc/kubectl on PATH without a shell: its own file so that the command line (help, hints) can name the
// client in use without loading the adapter and its process library.
import { accessSync, constants, statSync } from 'node:fs';
import { join, win32 } from 'node:path';

/**
 * Finds an executable on PATH (no shell). On Windows, as cmd.exe looks it up: the PATH variable in any
 * case, split on ";" (entries may be quoted), each name tried with the PATHEXT extensions in their order
 * (default .COM;.EXE;.BAT;.CMD) unless it already has one. Only .exe and .com are accepted there: a .bat/.cmd
 * needs cmd.exe to run, and the adapter never runs a shell.
 */
export function which(name: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  const win = platform === 'win32';
  const get = (key: string) => (win ? Object.entries(env).find(([k]) => k.toUpperCase() === key)?.[1] : env[key]);
  const runnable = ['.exe', '.com'];
  let names = [name];
  if (win) {
    const exts = (get('PATHEXT') || '.COM;.EXE;.BAT;.CMD').split(';').map((e) => e.trim().toLowerCase()).filter(Boolean);
    const ext = win32.extname(name).toLowerCase();
    names = exts.includes(ext) ? [name] : exts.map((e) => name + e);
    names = names.filter((n) => runnable.includes(win32.extname(n).toLowerCase()));
  }
  for (const raw of (get('PATH') ?? '').split(win ? ';' : ':')) {
    const dir = win ? raw.trim().replace(/^"(.*)"$/, '$1') : raw;
    if (!dir) continue;
    for (const n of names) {
      const p = join(dir, n);
      try {
        // no exception for a missing file (the usual case, once per PATH folder): building one costs more than the stat
        if (!statSync(p, { throwIfNoEntry: false })?.isFile()) continue;
        if (!win) accessSync(p, constants.X_OK); // Windows has no execute bit: the extension decides
        return p;
      } catch {
        /* not here */
      }
    }
  }
  return null;
}
