#!/usr/bin/env node
// Dev launcher of shell completion for kubectl's plugin completion (`kubectl etcd-replace <TAB>`); the release binary
// answers completion itself when installed under this name (or called with `__complete`). See lib/complete.ts.
import { register } from 'tsx/esm/api';

register();
const { completeMain } = await import('../lib/complete.ts');
process.exitCode = await completeMain(process.argv.slice(2));
