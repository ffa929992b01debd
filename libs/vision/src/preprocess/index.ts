/**
 * `@intellioptics/vision/preprocess`: the pipeline config, image-format sniffing and the input error, without
 * the sharp-based preprocessing itself (that stays in the full barrel; test/light-entry.test.ts checks it).
 */
export * from './pipeline-config';
export * from './image-format';
export * from './vision-input.error';
