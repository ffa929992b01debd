export type { ServedRoute, OpenApiOptions } from './document';
export { buildOpenApiDocument, toOpenApiPath } from './document';
export type { OperationDoc } from './catalogue';
export { REST_OPERATIONS } from './catalogue';
export { apiDocsPage } from './page';
