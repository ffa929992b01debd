export * from './policy.fit';
export * from './risk-control';
export * from './conformal';
export * from './logistic.fit';
export * from './policy.history';
