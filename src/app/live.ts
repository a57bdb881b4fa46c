/**
 * The live camera: classifies the newest frame whenever the worker is free. A frame is grabbed
 * only after the previous result arrived, so frames are dropped, never queued, and the latency
 * shown is that of what is on screen.
 */
import labelsText from '../data/imagenet1k-labels.txt?raw';
import { labelFor, parseLabels } from '../core/data/labels';
import { smoothProbabilities, softmax, topK } from '../core/inference/postprocess';
import { classifyFiles, classifyFrame } from './controller';
import { useLens } from './store';

let stream: MediaStream | null = null;
let video: HTMLVideoElement | null = null;
let running = false;
let smoothed: Float64Array | null = null;
const stamps: number[] = [];
let snapshotCount = 0;
const labels = parseLabels(labelsText).labels;

export async function listCameras(): Promise<void> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  useLens.getState().setLive({
    devices: devices
      .filter((d) => d.kind === 'videoinput')
      .map((d, i) => ({ id: d.deviceId, label: d.label || `Camera ${i + 1}` })),
  });
}

export async function startCamera(
  element: HTMLVideoElement,
  deviceId: string | null,
): Promise<void> {
  stopCamera();
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: deviceId ? { deviceId: { exact: deviceId } } : true,
      audio: false,
    });
  } catch (e) {
    useLens.getState().setLive({ on: false, error: `Camera unavailable: ${(e as Error).message}` });
    return;
  }
  video = element;
  element.srcObject = stream;
  await element.play();
  smoothed = null;
  stamps.length = 0;
  useLens
    .getState()
    .setLive({ on: true, paused: false, error: null, deviceId, fps: 0, latencyMs: null, top5: [] });
  void listCameras();
  void loop();
}

export function stopCamera(): void {
  running = false;
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
  if (video) video.srcObject = null;
  video = null;
  useLens.getState().setLive({ on: false, fps: 0 });
}

async function loop(): Promise<void> {
  if (running) return;
  running = true;
  while (running && video) {
    const { live } = useLens.getState();
    if (live.paused || video.readyState < 2) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    const t0 = performance.now();
    try {
      const payload = await classifyFrame(await createImageBitmap(video));
      const now = performance.now();
      stamps.push(now);
      while (stamps.length > 0 && now - stamps[0]! > 2000) stamps.shift();
      const probabilities = smoothProbabilities(
        smoothed,
        softmax(payload.logits),
        useLens.getState().live.smoothing,
      );
      smoothed = probabilities;
      const top5 = topK(probabilities, 5).map((r) => ({ ...r, label: labelFor(labels, r.index) }));
      useLens.getState().setLive({
        fps: stamps.length > 1 ? ((stamps.length - 1) * 1000) / (now - stamps[0]!) : 0,
        latencyMs: now - t0,
        top5,
        error: null,
      });
    } catch (e) {
      useLens.getState().setLive({ error: (e as Error).message });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  running = false;
}

/** Adds the current frame to the results list, as if it had been dropped. */
export async function snapshot(): Promise<void> {
  if (!video) return;
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d')!.drawImage(video, 0, 0);
  const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/png'));
  if (blob)
    await classifyFiles([
      new File([blob], `snapshot-${++snapshotCount}.png`, { type: 'image/png' }),
    ]);
}
