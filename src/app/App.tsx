import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { DropZone } from './components/DropZone';
import { EngineerTools } from './components/EngineerTools';
import { InsecureNotice } from './components/InsecureNotice';
import { LivePanel } from './components/LivePanel';
import { ModelBar } from './components/ModelBar';
import { Notice } from './components/Notice';
import { PhotoSource } from './components/PhotoSource';
import { ResultList } from './components/ResultList';
import { SourceSwitch } from './components/SourceSwitch';
import { StageView, useStageKeys } from './components/StageView';
import { UntrainedNotice } from './components/UntrainedNotice';
import { useLens } from './store';

/**
 * One main column (the source, photos or camera, above the results, newest first) and the
 * engineer's tools beside it on wide screens, below it on narrow ones: never above the results.
 */
export function App() {
  const video = useRef<HTMLVideoElement>(null);
  const source = useLens((s) => s.source);
  const { t } = useTranslation();
  useStageKeys();
  return (
    <DropZone>
      <header className="top">
        <h1>
          RepOpt Lens <small>{t('app.tagline')}</small>
        </h1>
        <ModelBar />
      </header>
      <InsecureNotice />
      <Notice />
      <UntrainedNotice />
      <div className="layout">
        <main className="main-col">
          <SourceSwitch />
          <div hidden={source !== 'photos'}>
            <PhotoSource />
          </div>
          <div hidden={source !== 'camera'}>
            <LivePanel videoRef={video} />
          </div>
          <ResultList />
        </main>
        <EngineerTools />
      </div>
      <StageView videoRef={video} />
      <footer className="foot">{t('app.footer')}</footer>
    </DropZone>
  );
}
