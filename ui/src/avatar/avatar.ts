/**
 * createAvatar: the avatar in a host element, drawn by Pixi at the display's refresh rate.
 *
 * Tracking samples go in through `update` whenever they arrive; a requestAnimationFrame loop poses the
 * rig from AvatarMotion (delayed interpolation, idle, hand-over) and renders with Pixi: WebGL on a
 * GPU, Pixi's Canvas 2D renderer where WebGL is missing or emulated on the CPU (./renderer-choice).
 */
import { autoDetectRenderer, Container, Graphics, type Bounds, type Renderer } from 'pixi.js';
import { packIdOfChoice } from '../../../src/avatar/parts';
import { sceneArt } from './art';
import { avatarDefinition, resolveColours, type ResolvedColours } from './characters';
import { parseHexColour } from './colour';
import { FrameStats } from './frame-stats';
import { AvatarMotion } from './motion';
import type { AvatarBackground, AvatarHandle, AvatarOptions } from './handle';
import { rendererPreference } from './renderer-choice';
import { loadPackRig, type PackRig } from './pack-rig';
import { AvatarRig } from './rig';
import { webglRendererString } from './webgl-probe';
import { copySample, neutralSample } from './sample';

export type { AvatarBackground, AvatarHandle, AvatarOptions } from './handle';
export type { RendererChoice } from './renderer-choice';

/** Chroma-key green, the value OBS's default green key expects. */
const GREEN = 0x00ff00;

export async function createAvatar(host: HTMLElement, options: AvatarOptions = {}): Promise<AvatarHandle> {
  const choice = options.renderer ?? 'auto';
  const renderer: Renderer = await autoDetectRenderer({
    preference: rendererPreference(choice, webglRendererString),
    width: Math.max(1, host.clientWidth),
    height: Math.max(1, host.clientHeight),
    // An alpha-capable canvas from the start: transparency cannot be switched on later.
    backgroundAlpha: 0,
    antialias: options.antialias ?? true,
    resolution: window.devicePixelRatio || 1,
    autoDensity: true,
  });
  const canvas = renderer.canvas as HTMLCanvasElement;
  canvas.style.display = 'block';
  host.appendChild(canvas);

  const stage = new Container();
  const scene = new Graphics();
  stage.addChild(scene);
  let avatarId = options.avatarId ?? 'default';
  let theme = options.theme;
  let background: AvatarBackground = options.background ?? 'scene';
  let backgroundColour = parseHexColour(options.backgroundColour ?? '#000000', 0x000000);
  // A pack is loaded from the service; until it is drawn, the first built-in character stands in.
  const builtInId = (id: string): string => (packIdOfChoice(id) === null ? id : 'default');
  let colours: ResolvedColours = resolveColours(avatarDefinition(builtInId(avatarId)), theme);
  let rig: AvatarRig | PackRig = new AvatarRig(avatarDefinition(builtInId(avatarId)), colours);
  let shown = builtInId(avatarId);
  let problem: string | null = null;
  let loading: AbortController | null = null;
  stage.addChild(rig.root);

  const motion = new AvatarMotion();
  const pose = neutralSample();
  const stats = new FrameStats();
  let width = 0;
  let height = 0;

  function layout(): void {
    const w = Math.max(1, host.clientWidth);
    const h = Math.max(1, host.clientHeight);
    if (w === width && h === height) return;
    width = w;
    height = h;
    renderer.resize(w, h);
    const extent = rig.extent;
    const scale = Math.min(w / (extent.right - extent.left), h / (extent.bottom - extent.top));
    rig.root.scale.set(scale);
    rig.root.position.set(w / 2, h - extent.bottom * scale);
    drawBackground();
  }

  function drawBackground(): void {
    scene.visible = background === 'scene';
    if (scene.visible) sceneArt(scene, width, height, colours);
    renderer.background.color = background === 'green' ? GREEN : background === 'colour' ? backgroundColour : 0x000000;
    renderer.background.alpha = background === 'transparent' ? 0 : 1;
  }

  function choose(id: string): void {
    avatarId = id;
    loading?.abort();
    loading = null;
    const packId = packIdOfChoice(id);
    if (packId === null) {
      swapRig(new AvatarRig(avatarDefinition(id), colours), id);
      return;
    }
    // The old avatar stays on screen until the pack is loaded, and stays if it cannot be.
    const load = new AbortController();
    loading = load;
    loadPackRig(packId, load.signal).then(
      (next) => {
        if (load.signal.aborted || !running) return next.destroy();
        loading = null;
        swapRig(next, id);
      },
      (err: unknown) => {
        if (load.signal.aborted) return;
        loading = null;
        problem = `the avatar ${id} could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
        console.warn(problem);
      },
    );
  }

  function swapRig(next: AvatarRig | PackRig, id: string): void {
    const old = rig;
    rig = next;
    stage.addChildAt(rig.root, stage.getChildIndex(old.root));
    old.destroy();
    shown = id;
    problem = null;
    width = height = 0;
    layout();
  }

  const resizeObserver = new ResizeObserver(() => layout());
  resizeObserver.observe(host);
  layout();

  let running = true;
  let rafId = 0;
  const frame = (stamp: number): void => {
    if (!running) return;
    const t0 = performance.now();
    layout();
    motion.frame(t0, pose);
    rig.apply(pose, t0);
    renderer.render(stage);
    stats.record(stamp, performance.now() - t0);
    rafId = requestAnimationFrame(frame);
  };
  rafId = requestAnimationFrame(frame);

  const toBox = (b: Bounds): { x: number; y: number; width: number; height: number } => ({
    x: b.minX,
    y: b.minY,
    width: b.maxX - b.minX,
    height: b.maxY - b.minY,
  });

  const handle: AvatarHandle = {
    rendererName: renderer.name,
    update(sample, captureMs) {
      motion.push(sample, captureMs, performance.now());
    },
    setBackground(next, colour) {
      background = next;
      if (colour !== undefined) backgroundColour = parseHexColour(colour, backgroundColour);
      drawBackground();
    },
    setAvatar(id, nextTheme) {
      theme = nextTheme ?? theme;
      colours = resolveColours(avatarDefinition(builtInId(id)), theme);
      drawBackground();
      // A pack drawn or on its way is not loaded again.
      if (packIdOfChoice(id) !== null && id === avatarId && (shown === id || loading)) return;
      choose(id);
    },
    reloadAvatar() {
      if (packIdOfChoice(avatarId) !== null) choose(avatarId);
    },
    avatarShown: () => shown,
    avatarProblem: () => problem,
    destroy() {
      running = false;
      loading?.abort();
      cancelAnimationFrame(rafId);
      resizeObserver.disconnect();
      rig.destroy();
      stage.destroy({ children: true });
      renderer.destroy();
      canvas.remove();
    },
    drawnPose: () => copySample(pose, neutralSample()),
    regions() {
      const r = rig.regions();
      return { leftEye: toBox(r.leftEye), rightEye: toBox(r.rightEye), mouth: toBox(r.mouth), face: toBox(r.face) };
    },
    frameStats: () => stats.summary(),
    resetFrameStats: () => stats.reset(),
  };
  if (packIdOfChoice(avatarId) !== null) handle.setAvatar(avatarId);
  return handle;
}
