import type { Principal } from '../auth/principal';
import type { Services } from '../services';
import type { Loaders } from './loaders';
import type { AppPubSub } from './pubsub';

/**
 * Per-operation context: the authenticated caller (set by the transport), the services, the batch loaders
 * of this operation and the pub/sub.
 */
export interface GraphQLContext {
  principal: Principal | null;
  services: Services;
  loaders: Loaders;
  pubsub: AppPubSub;
}
