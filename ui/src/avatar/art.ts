/**
 * The avatar's static drawings, in rig space (pixels at scale 1). Head parts are drawn around the head
 * centre (0, 0): face from y -165 (crown) to 150 (chin), ±135 wide. Body parts around the neck base
 * (0, 0), shoulders spreading to ±270 and the bust cut at y 420.
 * Everything is our own drawing: Bezier outlines written for this rig.
 */
import { Graphics } from 'pixi.js';
import type { AvatarDefinition, ResolvedColours } from './characters';
import { darken, lighten, mix } from './colour';

export function faceArt(c: ResolvedColours): Graphics {
  const shade = mix(c.skin, 0xb06070, 0.18);
  return new Graphics()
    .moveTo(-135, -40)
    .bezierCurveTo(-137, 60, -75, 146, 0, 152)
    .bezierCurveTo(75, 146, 137, 60, 135, -40)
    .bezierCurveTo(135, -200, -135, -200, -135, -40)
    .closePath()
    .fill(c.skin)
    .moveTo(-120, 60)
    .bezierCurveTo(-90, 120, -40, 150, 0, 152)
    .bezierCurveTo(-50, 140, -100, 110, -120, 60)
    .fill({ color: shade, alpha: 0.35 });
}

export function blushArt(c: ResolvedColours): Graphics {
  const blush = mix(c.accent, 0xff6070, 0.6);
  return new Graphics()
    .ellipse(-88, 0, 24, 12)
    .fill({ color: blush, alpha: 0.3 })
    .ellipse(88, 0, 24, 12)
    .fill({ color: blush, alpha: 0.3 });
}

export function noseArt(c: ResolvedColours): Graphics {
  return new Graphics()
    .moveTo(-3, -6)
    .quadraticCurveTo(4, 4, -4, 8)
    .stroke({ width: 3, color: mix(c.skin, c.line, 0.45), cap: 'round' });
}

/** One brow for the viewer's left side, inner end at +x; the other is mirrored. */
export function browArt(c: ResolvedColours): Graphics {
  const colour = darken(c.primary, 0.45);
  return new Graphics()
    .moveTo(-32, 6)
    .bezierCurveTo(-18, -10, 10, -12, 30, -2)
    .bezierCurveTo(12, -5, -14, -3, -32, 6)
    .fill(colour)
    .stroke({ width: 3.5, color: colour, join: 'round', cap: 'round' });
}

/** Hair behind the head (and, for the long style, behind the shoulders). */
export function backHairArt(def: AvatarDefinition, c: ResolvedColours): Graphics {
  const hair = darken(c.primary, 0.15);
  const g = new Graphics();
  if (def.hair === 'long') {
    g.moveTo(-150, -40)
      .bezierCurveTo(-175, -250, 175, -250, 150, -40)
      .bezierCurveTo(170, 80, 190, 220, 180, 330)
      .quadraticCurveTo(120, 300, 80, 340)
      .quadraticCurveTo(0, 300, -80, 340)
      .quadraticCurveTo(-120, 300, -180, 330)
      .bezierCurveTo(-190, 220, -170, 80, -150, -40)
      .closePath()
      .fill(hair);
  } else {
    // Cat ears, then a bob that ends at the jaw.
    const inner = lighten(c.accent, 0.2);
    for (const side of [-1, 1]) {
      g.moveTo(side * 60, -150)
        .lineTo(side * 125, -235)
        .lineTo(side * 150, -110)
        .closePath()
        .fill(hair)
        .moveTo(side * 80, -150)
        .lineTo(side * 122, -208)
        .lineTo(side * 136, -128)
        .closePath()
        .fill(inner);
    }
    g.moveTo(-150, -40)
      .bezierCurveTo(-172, -235, 172, -235, 150, -40)
      .bezierCurveTo(160, 40, 165, 100, 150, 130)
      .quadraticCurveTo(100, 120, 60, 125)
      .lineTo(-60, 125)
      .quadraticCurveTo(-100, 120, -150, 130)
      .bezierCurveTo(-165, 100, -160, 40, -150, -40)
      .closePath()
      .fill(hair);
  }
  return g;
}

/** The fringe and side locks, in front of the face. */
export function frontHairArt(def: AvatarDefinition, c: ResolvedColours): Graphics {
  const hair = c.primary;
  const shine = lighten(c.primary, 0.35);
  const g = new Graphics();
  const long = def.hair === 'long';
  const tipY = long ? -42 : -58;
  const notchY = long ? -80 : -78;
  const sideBottom = long ? 70 : 40;
  g.moveTo(-150, sideBottom)
    .bezierCurveTo(-170, -60, -150, -175, -70, -195)
    .bezierCurveTo(-20, -207, 60, -205, 110, -180)
    .bezierCurveTo(160, -150, 172, -60, 150, sideBottom);
  // Back along the fringe edge from the right side lock to the left, lock by lock.
  g.quadraticCurveTo(132, -20, 122, -70);
  const locks = long ? 5 : 6;
  for (let i = 0; i < locks; i++) {
    const x0 = 122 - (244 * i) / locks;
    const x1 = 122 - (244 * (i + 1)) / locks;
    const xm = (x0 + x1) / 2;
    g.quadraticCurveTo(x0 - 6, tipY + 10, xm + 4, tipY - (i % 2) * 8);
    g.quadraticCurveTo(xm - 2, notchY + 10, x1, notchY);
  }
  g.quadraticCurveTo(-132, -20, -150, sideBottom).closePath().fill(hair);
  // A highlight band across the crown.
  g.moveTo(-80, -165)
    .quadraticCurveTo(0, -190, 80, -165)
    .quadraticCurveTo(0, -176, -80, -165)
    .fill({ color: shine, alpha: 0.7 });
  return g;
}

/** Neck, shoulders and outfit, around the neck base (0, 0); the bust is cut at y 420. */
export function bodyArt(def: AvatarDefinition, c: ResolvedColours): Graphics {
  const cloth = def.outfit === 'hoodie' ? c.primary : mix(c.primary, 0x20203a, 0.35);
  const g = new Graphics();
  if (def.outfit === 'hoodie') {
    // The hood lying behind the neck.
    g.ellipse(0, 10, 150, 55).fill(darken(c.primary, 0.3));
  }
  g.roundRect(-34, -110, 68, 130, 20).fill(c.skin);
  g.ellipse(0, -96, 40, 20).fill({ color: mix(c.skin, 0x804050, 0.3), alpha: 0.6 });
  g.moveTo(-48, 0)
    .bezierCurveTo(-120, 10, -220, 20, -250, 90)
    .bezierCurveTo(-270, 150, -280, 300, -285, 440)
    .lineTo(285, 440)
    .bezierCurveTo(280, 300, 270, 150, 250, 90)
    .bezierCurveTo(220, 20, 120, 10, 48, 0)
    .closePath()
    .fill(cloth);
  if (def.outfit === 'sailor') {
    // White sailor collar with accent stripes and a bow.
    g.moveTo(-48, 0)
      .lineTo(-190, 40)
      .lineTo(-120, 150)
      .lineTo(0, 190)
      .lineTo(120, 150)
      .lineTo(190, 40)
      .lineTo(48, 0)
      .lineTo(0, 110)
      .closePath()
      .fill(0xf7f5ff)
      .moveTo(-170, 48)
      .lineTo(-112, 140)
      .stroke({ width: 6, color: c.accent })
      .moveTo(170, 48)
      .lineTo(112, 140)
      .stroke({ width: 6, color: c.accent })
      .moveTo(0, 160)
      .lineTo(-55, 130)
      .lineTo(-45, 195)
      .closePath()
      .moveTo(0, 160)
      .lineTo(55, 130)
      .lineTo(45, 195)
      .closePath()
      .fill(c.accent)
      .circle(0, 162, 12)
      .fill(darken(c.accent, 0.15));
  } else {
    g.moveTo(-48, 0)
      .quadraticCurveTo(0, 70, 48, 0)
      .stroke({ width: 10, color: darken(c.primary, 0.3) })
      .moveTo(-26, 40)
      .lineTo(-30, 150)
      .moveTo(26, 40)
      .lineTo(30, 150)
      .stroke({ width: 5, color: lighten(c.accent, 0.1), cap: 'round' })
      .roundRect(-120, 260, 240, 120, 30)
      .stroke({ width: 5, color: darken(c.primary, 0.2) });
  }
  return g;
}

export function sceneArt(g: Graphics, width: number, height: number, c: ResolvedColours): void {
  const base = mix(lighten(c.primary, 0.82), 0xffffff, 0.2);
  g.clear().rect(0, 0, width, height).fill(base);
  g.rect(0, height * 0.72, width, height * 0.28).fill(lighten(c.primary, 0.7));
  const spots = [
    [0.12, 0.18, 0.1],
    [0.85, 0.25, 0.14],
    [0.7, 0.08, 0.06],
    [0.25, 0.55, 0.08],
    [0.92, 0.62, 0.07],
  ];
  const r = Math.min(width, height);
  for (const [x, y, s] of spots) g.circle(x * width, y * height, s * r).fill({ color: lighten(c.accent, 0.55), alpha: 0.45 });
}
