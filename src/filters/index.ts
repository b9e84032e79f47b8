export { OneEuroBank, OneEuroFilter, DEFAULT_ONE_EURO, smoothingFactor } from './one-euro';
export type { OneEuroParams } from './one-euro';
