// Worker-thread entry: Node 20 does not apply --import loaders given in a worker's execArgv, so
// the worker registers tsx itself before loading the TypeScript module.
import { register } from 'tsx/esm/api';

register();
await import('./preprocess-worker.ts');
