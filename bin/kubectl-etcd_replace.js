#!/usr/bin/env node
// Dev launcher: runs the TypeScript sources through tsx (the release binary is built by scripts/build-binary.ts).
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../lib/main.ts');
run();
