/**
 * Which Pixi renderer to ask for. WebGL on a real GPU is the fast path (the kiosk's Jetson); but where
 * WebGL is emulated on the CPU (SwiftShader, llvmpipe: Chromium with --disable-gpu, machines without a
 * GPU driver), the Canvas 2D renderer is several times faster, measured here in headless Chromium
 * (bench/ui-frame-time.ts), so 'auto' picks canvas there.
 */
export type RendererChoice = 'auto' | 'webgl' | 'canvas';
export type RendererPreference = 'webgl' | 'canvas';

const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** `glRenderer` says what WebGL runs on ('' when there is none): webglRendererString in a page. */
export function rendererPreference(choice: RendererChoice, glRenderer: () => string): RendererPreference[] {
  if (choice === 'canvas') return ['canvas'];
  if (choice === 'webgl') return ['webgl'];
  const name = glRenderer();
  return name === '' || SOFTWARE_GL.test(name) ? ['canvas'] : ['webgl', 'canvas'];
}
