/** What the edge subgraph's resolvers read: live edge state, no I/O to the cloud. */
import type { DeadLetterService } from '../escalation/dead-letters';

export interface EdgeDetectorStats {
  primaryVersion: number | null;
  ooddVersion: number | null;
  ready: boolean;
  imageQueries: number;
  escalations: number;
  meanLatencyMs: number | null;
}

export interface EdgeGraphState {
  hubName: string;
  detectorIds(): string[];
  detector(id: string): Promise<EdgeDetectorStats>;
  outboxPending(): number;
  configOk(): boolean;
  cloudReachable(): boolean;
}

/** The dead-letter list's operations the resolvers use (escalation/dead-letters.ts). */
export type DeadLetterAccess = Pick<
  DeadLetterService,
  'requireAdmin' | 'count' | 'list' | 'retry' | 'discard'
>;

export interface EdgeGraphContext {
  edge: EdgeGraphState;
  deadLetters: DeadLetterAccess;
  /** The caller's `x-api-token` (already authorised by the route; roles are checked per field). */
  token: string | null;
}
