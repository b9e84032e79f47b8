/**
 * Settings for the service (Node side). The browser UI should import './schema' and './patch'
 * directly: they are browser-safe, while this index also pulls in the file store.
 */
export {
  SettingsSchema,
  STANDARD_BAUD_RATES,
  MAX_OUTPUT_TARGETS,
  defaultSettings,
  settingsJsonSchema,
  type Settings,
  type SettingsInput,
} from './schema';
export { validateSettingsPatch, touches, issuesFromZod, type SettingsIssue, type SettingsPatchResult } from './patch';
export { applyMergePatch, changedLeafPaths, diffFromBase, overlay } from './merge-patch';
export { migrateSettingsFile, SETTINGS_FILE_VERSION } from './migrate';
export { resolveStateDir, type StateDirOptions } from './state-dir';
export {
  SettingsStore,
  InvalidSettingsError,
  SETTINGS_FILE,
  LAST_GOOD_FILE,
  versionFile,
  type SaveStep,
  type SettingsHealth,
  type SettingsStoreOptions,
} from './store';
