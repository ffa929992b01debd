import type { Principal } from '../auth/principal';
import type { Services } from '../services';
import type { AppPubSub } from './pubsub';

/** Per-operation context: the authenticated caller (set by the transport), the services and the pub/sub. */
export interface GraphQLContext {
  principal: Principal | null;
  services: Services;
  pubsub: AppPubSub;
}
