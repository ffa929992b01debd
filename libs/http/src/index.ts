/** @intellioptics/http: the node:http kit the three services share (body, answers, problems, router, pages, logs). */
export { readBody, readJsonBody, bodyUnread } from './body';
export type { Headers, SendProblemOptions } from './send';
export { sendJson, sendJsonText, sendText, sendProblem, problemFor, methodNotAllowed } from './send';
export type { RouteMatch } from './router';
export { Router, splitUrl } from './router';
export type { PageRequest } from './pagination';
export {
  parsePageRequest,
  pageOffset,
  paginated,
  paginateList,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
} from './pagination';
export type { LogFormat, Logger, LoggerOptions } from './logger';
export { createLogger, resolveLogFormat, LOG_FORMATS } from './logger';
export type { RequestLogger, RequestLogOptions } from './request-log';
export { withRequestLog, requestIdOf, requestIdFrom, redactUrl } from './request-log';
