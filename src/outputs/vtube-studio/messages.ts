/**
 * The VTube Studio public API messages this plugin uses (github.com/DenchiSoft/VTubeStudio,
 * README "API Details"): every request carries apiName "VTubeStudioPublicAPI", apiVersion "1.0",
 * a requestID (1..64 ASCII characters) and a messageType; responses echo the requestID.
 */

export const VTS_API_NAME = 'VTubeStudioPublicAPI';
export const VTS_API_VERSION = '1.0';

/** Error IDs from the API's ErrorID.cs that change what the plugin does. */
export const VTS_ERROR = {
  requestRequiresAuthentication: 8,
  tokenRequestDenied: 50,
  tokenRequestCurrentlyOngoing: 51,
  /** InjectParameterDataRequest named a parameter VTS does not have; VTS refuses the whole request. */
  injectDataParamNameNotFound: 453,
} as const;

export interface VtsRequest {
  apiName: typeof VTS_API_NAME;
  apiVersion: typeof VTS_API_VERSION;
  requestID: string;
  messageType: string;
  data?: object;
}

export function vtsRequest(messageType: string, requestID: string, data?: object): VtsRequest {
  const request: VtsRequest = { apiName: VTS_API_NAME, apiVersion: VTS_API_VERSION, requestID, messageType };
  if (data) request.data = data;
  return request;
}

export interface VtsResponse {
  messageType: string;
  requestID: string;
  data: Record<string, unknown>;
}

/** The parts of a response the plugin reads, or null when the text is not a VTS response. */
export function parseVtsResponse(text: string): VtsResponse | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { messageType, requestID, data } = value as Record<string, unknown>;
  if (typeof messageType !== 'string') return null;
  return {
    messageType,
    requestID: typeof requestID === 'string' ? requestID : '',
    data: typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {},
  };
}
