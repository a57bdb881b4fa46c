import { DropZone, ImagePicker } from './components/DropZone';
import { ModelBar } from './components/ModelBar';
import { OfflinePanel } from './components/OfflinePanel';
import { ResultList } from './components/ResultList';
import { UntrainedNotice } from './components/UntrainedNotice';

export function App() {
  return (
    <DropZone>
      <header className="top">
        <h1>
          RepOpt Lens <small>RepOpt-VGG in your browser</small>
        </h1>
        <ModelBar />
        <OfflinePanel />
      </header>
      <UntrainedNotice />
      <ImagePicker />
      <main>
        <ResultList />
      </main>
      <footer className="foot">
        Preprocessing is torchvision's, bit for bit (Pillow bilinear resize, center crop,
        normalise). Nothing leaves this page.
      </footer>
    </DropZone>
  );
}
