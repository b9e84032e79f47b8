export { createAvatar, type AvatarBackground, type AvatarHandle, type AvatarOptions, type RendererChoice } from './avatar';
export { AVATARS, avatarDefinition, type AvatarDefinition, type AvatarTheme } from './characters';
export { avatarSampleFromFrame, neutralSample, type AvatarSample, type PoseFrame } from './sample';
export type { FrameTimeSummary } from './frame-stats';
