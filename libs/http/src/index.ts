/** @intellioptics/http: the node:http kit the three services share (body, answers, problems, router, pages, logs). */
export * from './body';
export * from './send';
export * from './router';
export * from './pagination';
export * from './logger';
export * from './request-log';
