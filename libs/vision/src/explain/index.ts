/** Explanations of answers (libs/schema explanation.ts): exact linear evidence maps and nearest labelled examples. */
export * from './linear-evidence';
export * from './neighbor-index';
export * from './model-explainer';
export * from './builtin-explanation';
export * from './blank-baseline';
