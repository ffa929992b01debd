/** The recursive reasoning head (#15): model, training, token projection. */
export * from './recursive-head.model';
export * from './recursive-head.train';
export * from './token-projection';
export * from './recursive-head.onnx';
export * from './feature-map.head';
export * from './recursive-head.package';
export * from './recursive-explanation';
export * from './map-head.reading';
