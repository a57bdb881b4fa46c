/**
 * The live camera. A frame is classified only when the camera presented a new one
 * (`requestVideoFrameCallback`), and only after the previous result arrived: frames are dropped,
 * never queued or classified twice, and the latency shown is that of what is on screen.
 *
 * At most one frame is in flight, always: each start of the camera opens a new session, and a
 * session's first frame waits for the previous session's frame still in the worker (Stop + Start
 * while a frame is in flight used to start a second loop beside the first).
 */
import { cameraProblemOf } from './camera-problem';
import { classifyFiles, classifyFrame } from './controller';
import { RateMeter } from './live-rate';
import { useLens } from './store';

let stream: MediaStream | null = null;
let video: HTMLVideoElement | null = null;
/** Incremented by every start and stop: a loop whose session is over stops at its next step. */
let session = 0;
/** The frame in the worker now (any session's), so a new session waits for it. */
let inFlight: Promise<unknown> = Promise.resolve();
let framesInFlight = 0;
/** Wakes a loop waiting for a frame when its session ends (the video then presents no more). */
let wake: (() => void) | null = null;
let snapshotCount = 0;

/**
 * Frames presented by the camera (counted by a watcher of their own, so a slow model does not
 * make the camera look slow) and frames classified, each over a window fitting its pace.
 */
const cameraRate = new RateMeter();
const classifiedRate = new RateMeter();
/** The camera's figure reaches the store at most this often (a re-render per frame is waste). */
const CAMERA_RATE_EVERY_MS = 250;

export async function listCameras(): Promise<void> {
  if (!navigator.mediaDevices) return;
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
  const mine = session;
  if (!navigator.mediaDevices) {
    useLens.getState().setLive({ on: false, error: 'insecure-context' });
    return;
  }
  let opened: MediaStream;
  try {
    opened = await navigator.mediaDevices.getUserMedia({
      video: deviceId ? { deviceId: { exact: deviceId } } : true,
      audio: false,
    });
  } catch (e) {
    if (mine !== session) return;
    useLens.getState().setLive({
      on: false,
      error: `Camera unavailable: ${(e as Error).message}`,
      problem: cameraProblemOf(e),
    });
    return;
  }
  if (mine !== session) {
    // Stopped (or restarted) while the browser was asking: this stream is not wanted any more.
    for (const track of opened.getTracks()) track.stop();
    return;
  }
  stream = opened;
  video = element;
  element.srcObject = stream;
  await element.play().catch(() => undefined);
  cameraRate.reset();
  classifiedRate.reset();
  useLens.getState().setLive({
    on: true,
    paused: false,
    error: null,
    problem: null,
    deviceId,
    fps: 0,
    cameraFps: 0,
    framesClassified: 0,
    latencyMs: null,
    top5: [],
  });
  void listCameras();
  void countFrames(mine, element);
  void loop(mine, element);
}

/** Stops the camera and forgets its results: nothing of it stays on screen. */
export function stopCamera(): void {
  session++;
  wake?.();
  stopCounting?.();
  stopCounting = null;
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
  if (video) video.srcObject = null;
  video = null;
  useLens.getState().setLive({
    on: false,
    paused: false,
    fps: 0,
    cameraFps: 0,
    latencyMs: null,
    top5: [],
  });
}

/** Resolves at the next frame the camera presents, or with false once the session is over. */
function nextFrame(element: HTMLVideoElement, mine: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (mine !== session) return resolve(false);
    const handle = element.requestVideoFrameCallback(() => {
      wake = null;
      resolve(mine === session);
    });
    wake = () => {
      element.cancelVideoFrameCallback(handle);
      wake = null;
      resolve(false);
    };
  });
}

/** The camera's own frame rate: every frame it presents, classified or not. */
async function countFrames(mine: number, element: HTMLVideoElement): Promise<void> {
  let shown = 0;
  while (await presented(element, mine)) {
    const now = performance.now();
    const fps = cameraRate.add(now);
    if (now - shown >= CAMERA_RATE_EVERY_MS) {
      shown = now;
      useLens.getState().setLive({ cameraFps: fps });
    }
  }
}

/** Like nextFrame, for the frame counter (which must not take the loop's wake-up). */
function presented(element: HTMLVideoElement, mine: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (mine !== session) return resolve(false);
    const handle = element.requestVideoFrameCallback(() => resolve(mine === session));
    stopCounting = () => {
      element.cancelVideoFrameCallback(handle);
      resolve(false);
    };
  });
}
let stopCounting: (() => void) | null = null;

async function loop(mine: number, element: HTMLVideoElement): Promise<void> {
  let restart = true;
  // A frame of an earlier session may still be in the worker: never two at once.
  await inFlight.catch(() => undefined);
  while (await nextFrame(element, mine)) {
    const { live } = useLens.getState();
    if (live.paused || element.readyState < 2) {
      // Paused: nothing is classified, and the figure says so instead of keeping the last pace.
      classifiedRate.reset();
      if (live.fps !== 0) useLens.getState().setLive({ fps: 0 });
      continue;
    }
    const t0 = performance.now();
    const run = createImageBitmap(element).then((bitmap) =>
      // Labels, softmax, smoothing and top-5 come from the engine, as for photos.
      classifyFrame(bitmap, { smoothing: live.smoothing, restart }),
    );
    framesInFlight++;
    useLens.getState().setLive({
      maxFramesInFlight: Math.max(useLens.getState().live.maxFramesInFlight, framesInFlight),
    });
    inFlight = run;
    try {
      const payload = await run;
      if (mine !== session) break;
      restart = false;
      const done = performance.now();
      useLens.getState().setLive({
        fps: classifiedRate.add(done),
        cameraFps: cameraRate.rate(done),
        framesClassified: useLens.getState().live.framesClassified + 1,
        latencyMs: done - t0,
        top5: payload.top5,
        top5Model: payload.modelName,
        error: null,
      });
    } catch (e) {
      if (mine !== session) break;
      useLens.getState().setLive({ error: (e as Error).message });
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      framesInFlight--;
    }
  }
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
