import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { classifyFiles, crashWorkerForTest, start } from './controller';
import { useLens } from './store';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// A small typed automation API for what the UI does not show directly (tests, debugging).
declare global {
  interface Window {
    __lens?: {
      state: typeof useLens.getState;
      classifyFiles: typeof classifyFiles;
      crashWorker: typeof crashWorkerForTest;
    };
  }
}
window.__lens = { state: useLens.getState, classifyFiles, crashWorker: crashWorkerForTest };

void start();
