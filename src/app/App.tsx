import { useRef } from 'react';
import { ComparePicker } from './components/ComparePicker';
import { ConvertPanel } from './components/ConvertPanel';
import { QuantizePanel } from './components/QuantizePanel';
import { DropZone, ImagePicker } from './components/DropZone';
import { ExamplesGallery } from './components/ExamplesGallery';
import { LivePanel } from './components/LivePanel';
import { ModelBar } from './components/ModelBar';
import { ModelPanel } from './components/ModelPanel';
import { Notice } from './components/Notice';
import { OfflinePanel } from './components/OfflinePanel';
import { ResultList } from './components/ResultList';
import { StageView, useStageKeys } from './components/StageView';
import { UntrainedNotice } from './components/UntrainedNotice';
import { VerifyPanel } from './components/VerifyPanel';

export function App() {
  const video = useRef<HTMLVideoElement>(null);
  useStageKeys();
  return (
    <DropZone>
      <header className="top">
        <h1>
          RepOpt Lens <small>RepOpt-VGG in your browser</small>
        </h1>
        <ModelBar />
        <ModelPanel />
        <ConvertPanel />
        <QuantizePanel />
        <ComparePicker />
        <VerifyPanel />
        <OfflinePanel />
      </header>
      <Notice />
      <UntrainedNotice />
      <ImagePicker />
      <ExamplesGallery />
      <LivePanel videoRef={video} />
      <main>
        <ResultList />
      </main>
      <StageView videoRef={video} />
      <footer className="foot">
        Preprocessing is torchvision&apos;s, bit for bit (Pillow bilinear resize, center crop,
        normalise). Nothing leaves this page. Press S for the stage view.
      </footer>
    </DropZone>
  );
}
