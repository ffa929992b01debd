export * from './types';
export * from './presets';
export * from './confidence';
export * from './audit-sampling';
export * from './escalation-cooldown';
export * from './label-mapping';
export * from './decide';
