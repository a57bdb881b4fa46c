import './i18n';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { classifyFiles, crashWorkerForTest, start } from './controller';
import { registerServiceWorker } from './offline';
import { useLens } from './store';
import './styles.css';
import type {} from '../automation';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// A small typed automation API for tests and the benchmark (src/app/automation.ts).
window.__lens = { state: useLens.getState, classifyFiles, crashWorker: crashWorkerForTest };

registerServiceWorker();
void start();
