/**
 * Which Pixi renderer to ask for. WebGL on a real GPU is the fast path (the kiosk's Jetson); but where
 * WebGL is emulated on the CPU (SwiftShader, llvmpipe: Chromium with --disable-gpu, machines without a
 * GPU driver), the Canvas 2D renderer is several times faster, measured here in headless Chromium
 * (bench/ui-frame-time.ts), so 'auto' picks canvas there.
 */
export type RendererChoice = 'auto' | 'webgl' | 'canvas';
export type RendererPreference = 'webgl' | 'canvas';

const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** The GL renderer string ('' when WebGL is missing or does not say). */
export function webglRendererString(): string {
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (!gl) return '';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : String(gl.getParameter(gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return name;
}

export function rendererPreference(choice: RendererChoice, glRenderer: () => string = webglRendererString): RendererPreference[] {
  if (choice === 'canvas') return ['canvas'];
  if (choice === 'webgl') return ['webgl'];
  const name = glRenderer();
  return name === '' || SOFTWARE_GL.test(name) ? ['canvas'] : ['webgl', 'canvas'];
}
