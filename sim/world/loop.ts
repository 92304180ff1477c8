// The reconcile loop of a simulated controller: `tick` runs every `intervalMs`, never overlapping
// itself (the next run is scheduled when the previous one ends), its errors logged, until stopped.
export interface ControllerLoop {
  stop(): void;
}

export function controllerLoop(name: string, intervalMs: number, tick: () => unknown, log: (message: string) => void): ControllerLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const run = async () => {
    if (stopped) return;
    try {
      await tick();
    } catch (err) {
      log(`${name}: ${(err as Error).stack ?? err}`);
    }
    if (!stopped) timer = setTimeout(run, intervalMs);
  };
  timer = setTimeout(run, 0);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
