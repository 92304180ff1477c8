// y/N questions on a terminal. Anything but y/yes is "no".
import { createInterface } from 'node:readline/promises';

export async function confirm(question: string, o: { input?: NodeJS.ReadStream; output?: NodeJS.WriteStream } = {}): Promise<boolean> {
  const rl = createInterface({ input: o.input ?? process.stdin, output: o.output ?? process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^\s*y(es)?\s*$/i.test(answer);
  } catch {
    return false; // stdin closed
  } finally {
    rl.close();
  }
}
