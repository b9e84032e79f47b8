/** What every page and form gets from the app shell. */
import type { ApiClient, JsonSchemaNode } from '../api/http';
import type { SettingsState } from './settings-state';
import type { StatusPoller } from './status-poller';

export interface AppContext {
  api: ApiClient;
  /** The settings JSON Schema from the service (titles, limits, units for the forms). */
  schema: JsonSchemaNode;
  settings: SettingsState;
  status: StatusPoller;
  /** Asks the user for the pairing PIN (a change was refused because this host is not paired). */
  requestPairing(): void;
  /** Draws the chosen avatar pack again (its layers were remapped); set once the avatar is mounted. */
  reloadAvatar?: () => void;
}
